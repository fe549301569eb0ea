/*-------------------------------------------------------------------------
 *
 * kafkapg.h
 *	  Process-wide declarations: GUC variables and the library entry points.
 *
 * GUC variables are defined in guc.c and are read-only outside it; a
 * broker worker sees SIGHUP-context changes after it processes a reload.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_KAFKAPG_H
#define KAFKAPG_KAFKAPG_H

#define KAFKAPG_VERSION		"0.4.0"
#define KAFKAPG_EXTENSION	"kafkapg"

#include "kafkapg/protocol/codec.h"

/* listener and identity (guc.c) */
extern char *kp_listen_addresses;
extern int	kp_port;
extern char *kp_advertised_host;
extern int	kp_advertised_port;
extern char *kp_database;
extern int	kp_workers;
extern int	kp_node_id;
extern char *kp_data_directory;

/* connection limits (guc.c) */
extern int	kp_socket_request_max_bytes;
extern int	kp_max_connections;
extern int	kp_connections_max_idle_ms;

/* consumer groups (guc.c) */
extern int	kp_offset_metadata_max_bytes;
extern int	kp_max_groups;
extern int	kp_group_initial_rebalance_delay_ms;
extern int	kp_group_min_session_timeout_ms;
extern int	kp_group_max_session_timeout_ms;
extern int	kp_group_max_size;
extern int	kp_offsets_retention_minutes;
extern int	kp_offsets_retention_check_interval_ms;

/* topics and storage (guc.c) */
extern bool kp_auto_create_topics;
extern int	kp_num_partitions;
extern int	kp_max_topics;
extern int	kp_max_partitions;

extern void kp_guc_define(void);
extern const char *kp_guc_advertised_host(void);
extern int	kp_guc_advertised_port(void);

/* alloc.c: memory for the codec and record libraries */
extern const KpAllocator *kp_palloc_allocator(void);
extern void kp_palloc_allocator_in(KpAllocator *a, MemoryContext cxt);

#endif							/* KAFKAPG_KAFKAPG_H */
