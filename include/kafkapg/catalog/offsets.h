/*-------------------------------------------------------------------------
 *
 * offsets.h
 *	  Committed consumer offsets in the catalog (kafkapg.consumer_offset).
 *	  Every function runs in the caller's transaction.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_CATALOG_OFFSETS_H
#define KAFKAPG_CATALOG_OFFSETS_H

#include "kafkapg/protocol/codec.h"

typedef struct KpCommittedOffset
{
	KpUuid		topic_id;
	int32		partition;
	int64		offset;
	int32		leader_epoch;
	char	   *metadata;		/* NULL if null */
} KpCommittedOffset;

extern void kp_offsets_commit(const char *group_id, const KpUuid *topic_id, int32 partition,
							  int64 offset, int32 leader_epoch, const char *metadata);
extern bool kp_offsets_fetch(const char *group_id, const KpUuid *topic_id, int32 partition,
							 int64 *offset, int32 *leader_epoch, char **metadata);
extern bool kp_offsets_delete(const char *group_id, const KpUuid *topic_id, int32 partition);
extern int	kp_offsets_list(const char *group_id, KpCommittedOffset **out);
extern bool kp_offsets_group_known(const char *group_id);
extern int	kp_offsets_group_ids(char ***out);
extern bool kp_offsets_delete_group(const char *group_id);

#endif							/* KAFKAPG_CATALOG_OFFSETS_H */
