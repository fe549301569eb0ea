/*-------------------------------------------------------------------------
 *
 * paths.c
 *	  Where partition logs live on disk, and removal of a topic's files.
 *
 *	  <kafkapg.data_directory>/<topic uuid>/<partition>/<base offset>.log
 *
 * The topic directory is named by the topic's UUID, so a topic deleted and
 * created again under the same name never meets the old files.  A deleted
 * topic's directory is first renamed to "<uuid>.deleted" (atomic), then
 * removed; leftovers of a crash in between are removed at the next load.
 * No locking: paths are pure functions; removal runs after the deleting
 * transaction committed, when no lookup can find the topic any more.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <sys/stat.h>

#include "storage/fd.h"

#include "kafkapg/kafkapg.h"
#include "kafkapg/storage/storage.h"

/* 36 characters and a NUL, lower-case hex with dashes */
void
kp_uuid_to_string(const KpUuid *id, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int			j = 0;

	for (int i = 0; i < 16; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[id->b[i] >> 4];
		out[j++] = hex[id->b[i] & 0xf];
	}
	out[j] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses exactly the form kp_uuid_to_string() writes. */
bool
kp_uuid_from_string(const char *s, KpUuid *out)
{
	int			j = 0;

	for (int i = 0; i < 16; i++)
	{
		int			hi,
					lo;

		if (i == 4 || i == 6 || i == 8 || i == 10)
		{
			if (s[j++] != '-')
				return false;
		}
		hi = hexval(s[j]);
		lo = hi < 0 ? -1 : hexval(s[j + 1]);
		if (lo < 0)
			return false;
		out->b[i] = (uint8) (hi << 4 | lo);
		j += 2;
	}
	return s[j] == '\0';
}

void
kp_topic_dir(const KpUuid *topic_id, char *out, size_t outlen)
{
	char		u[37];

	kp_uuid_to_string(topic_id, u);
	snprintf(out, outlen, "%s/%s", kp_data_directory, u);
}

void
kp_partition_dir(const KpUuid *topic_id, int32 partition, char *out, size_t outlen)
{
	char		u[37];

	kp_uuid_to_string(topic_id, u);
	snprintf(out, outlen, "%s/%s/%d", kp_data_directory, u, partition);
}

/* Renames the topic directory aside, then removes it; never ERRORs. */
void
kp_storage_remove_topic_files(const KpUuid *topic_id)
{
	char		dir[MAXPGPATH];
	char		aside[MAXPGPATH + 16];

	kp_topic_dir(topic_id, dir, sizeof(dir));
	snprintf(aside, sizeof(aside), "%s.deleted", dir);
	if (rename(dir, aside) != 0)
	{
		if (errno != ENOENT)
			ereport(WARNING,
					(errcode_for_file_access(),
					 errmsg("could not rename \"%s\" to \"%s\": %m", dir, aside)));
		return;
	}
	if (!rmtree(aside, true))
		ereport(WARNING,
				(errmsg("could not remove all files of deleted topic in \"%s\"", aside),
				 errhint("They are removed again at the next server start.")));
}

/* Is this directory entry one of ours ("<uuid>" or "<uuid>.deleted")? */
static bool
parse_topic_entry(const char *name, KpUuid *id, bool *deleted)
{
	char		buf[64];
	size_t		n = strlen(name);

	*deleted = n == 36 + 8 && strcmp(name + 36, ".deleted") == 0;
	if (n != 36 && !*deleted)
		return false;
	memcpy(buf, name, 36);
	buf[36] = '\0';
	return kp_uuid_from_string(buf, id);
}

/*
 * Removes topic directories the registry does not know: topics deleted
 * just before a crash, creations rolled back, and "<uuid>.deleted"
 * leftovers.  Called by the loader with the registry lock held.
 */
void
kp_storage_remove_orphans(void)
{
	DIR		   *d = AllocateDir(kp_data_directory);
	struct dirent *de;

	if (d == NULL)
		return;					/* no data directory yet: nothing to do */
	while ((de = ReadDir(d, kp_data_directory)) != NULL)
	{
		KpUuid		id;
		bool		deleted;
		char		path[MAXPGPATH];

		if (!parse_topic_entry(de->d_name, &id, &deleted))
			continue;
		if (!deleted && kp_registry_has_id(&id))
			continue;
		snprintf(path, sizeof(path), "%s/%s", kp_data_directory, de->d_name);
		ereport(LOG,
				(errmsg("kafkapg: removing files of unknown or deleted topic \"%s\"", path)));
		if (!rmtree(path, true))
			ereport(WARNING,
					(errmsg("could not remove \"%s\"", path)));
	}
	FreeDir(d);
}
