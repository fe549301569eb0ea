/*-------------------------------------------------------------------------
 *
 * ddl.h
 *	  Catalog changes from a broker worker (ddl.c), and the topic DDL
 *	  shared by CreateTopics, DeleteTopics and Metadata auto-creation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_BROKER_DDL_H
#define KAFKAPG_BROKER_DDL_H

#include "kafkapg/catalog/topics.h"

typedef void (*KpDdlFn) (void *arg);

extern bool kp_broker_run_ddl(KpDdlFn fn, void *arg, const char *activity,
							  int *sqlerrcode, char **message);

/* create_topics.c: creates a checked topic in its own transaction */
extern int16 kp_broker_create_topic(KpTopicSpec *spec, KpUuid *id, char **message);

#endif							/* KAFKAPG_BROKER_DDL_H */
