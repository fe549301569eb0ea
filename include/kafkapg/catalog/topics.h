/*-------------------------------------------------------------------------
 *
 * topics.h
 *	  Topic DDL against the catalog table kafkapg.topic, shared by the
 *	  protocol (CreateTopics, DeleteTopics, Metadata auto-creation) and SQL
 *	  (kafkapg.create_topic, kafkapg.delete_topic).
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_CATALOG_TOPICS_H
#define KAFKAPG_CATALOG_TOPICS_H

#include "kafkapg/storage/storage.h"

typedef void (*KpTopicLoadFn) (const char *name, const KpUuid *id, int32 nparts,
							   const KpTopicConfig *config, TimestampTz created_at);

/* A topic to create, validated by kp_topic_check() */
typedef struct KpTopicSpec
{
	const char *name;
	int32		partitions;
	int			nconfigs;
	const char **keys;
	const char **values;
	KpTopicConfig config;		/* filled by kp_topic_check */
} KpTopicSpec;

/* Kafka's verdict on a request, with a message for the client */
typedef struct KpTopicVerdict
{
	int16		error_code;
	char	   *message;		/* palloc'd, or NULL */
} KpTopicVerdict;

extern void kp_catalog_load_topics(KpTopicLoadFn fn);
extern bool kp_topic_check_name(const char *name, KpTopicVerdict *v);
extern bool kp_topic_check(KpTopicSpec *spec, KpTopicVerdict *v);
extern void kp_topic_create(const KpTopicSpec *spec, KpUuid *id_out);
extern void kp_topic_delete(const KpTopicInfo *topic);
extern void kp_topics_install_callbacks(void);
extern Oid	kp_topics_ensure_loaded(void);
extern void kp_check_database(void);

#endif							/* KAFKAPG_CATALOG_TOPICS_H */
