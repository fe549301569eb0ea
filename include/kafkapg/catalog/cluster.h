/*-------------------------------------------------------------------------
 *
 * cluster.h
 *	  Cluster identity from the catalog, cached per process.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_CATALOG_CLUSTER_H
#define KAFKAPG_CATALOG_CLUSTER_H

/* Kafka cluster id (base64url UUID, 22 chars); "" until loaded */
extern char kp_cluster_id[64];

extern bool kp_catalog_extension_ready(void);
extern void kp_catalog_xact_begin(const char *activity);
extern void kp_catalog_xact_end(void);
extern void kp_cluster_id_generate(char *out, size_t outlen);

struct KpLeaderInfo;

/* The broker that accepts writes: this one, or a standby's primary */
extern void kp_cluster_leader(struct KpLeaderInfo *out);
extern void kp_catalog_register_leader(void);
extern void kp_catalog_standby_tick(void);

#endif							/* KAFKAPG_CATALOG_CLUSTER_H */
