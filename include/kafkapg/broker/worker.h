/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  Broker worker entry point (a static background worker).
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_BROKER_WORKER_H
#define KAFKAPG_BROKER_WORKER_H

#include "postgres.h"

extern PGDLLEXPORT void kp_worker_main(Datum arg);

/* this broker worker's slot index, or -1 outside broker workers */
extern int	kp_my_worker_index;

#endif							/* KAFKAPG_BROKER_WORKER_H */
