/*-------------------------------------------------------------------------
 *
 * bench_disk.c
 *	  What the disk under a directory can do, as the ceiling for durable
 *	  produce (bench_durability.c compares kafkapg against it):
 *
 *	  - sequential write bandwidth: 256 MiB written in 1 MiB blocks to a new
 *		file, then one fdatasync; MB/s over the whole, fdatasync included, so
 *		the figure is the device's and not the page cache's; the median of 3
 *		such files (single runs vary by up to 1.5x on a VM);
 *	  - fdatasync latency: 1,000 times a 4 KiB append to a new file and an
 *		fdatasync; p50/p99/max in ms.  Every append grows the file, so each
 *		fdatasync also commits the new size (on ext4 a journal commit).
 *
 *	  Both files are deleted afterwards.  With SAME_FS_AS, the directory must
 *	  be on the same file system as that path (the benchmark passes the
 *	  instance's PGDATA, so the scratch files stay out of the data directory).
 *
 *	  usage: bench_disk DIR [SAME_FS_AS]
 *
 *	  Prints one line of key=value pairs for bench_durability:
 *	  seq_write_MBps=... fdatasync_p50_ms=... fdatasync_p99_ms=... fdatasync_max_ms=...
 *
 * MB = 10^6 bytes.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const bench_name = "bench_disk";

#include "bench_common.h"

#define SEQ_BLOCK (1 << 20)
#define SEQ_BLOCKS 256
#define SEQ_ROUNDS 3
#define SYNC_BLOCK 4096
#define SYNC_ROUNDS 1000

static int
create_file(const char *path)
{
	int			fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

static void
write_full(int fd, const char *buf, size_t n, const char *path)
{
	while (n > 0)
	{
		ssize_t		w = write(fd, buf, n);

		if (w <= 0)
			die("write %s: %s", path, strerror(errno));
		buf += w;
		n -= w;
	}
}

/* MB/s of writing SEQ_BLOCKS blocks to a new file and fdatasyncing it. */
static double
seq_write(const char *dir)
{
	char		path[4096];
	char	   *buf = malloc(SEQ_BLOCK);
	int			fd;
	double		t0,
				secs;

	/* not zeros: a file system or device could treat those specially */
	for (int i = 0; i < SEQ_BLOCK; i++)
		buf[i] = (char) (i * 131 + 7);
	snprintf(path, sizeof(path), "%s/bench_disk_seq.%d.tmp", dir, (int) getpid());
	fd = create_file(path);
	t0 = now_s();
	for (int i = 0; i < SEQ_BLOCKS; i++)
		write_full(fd, buf, SEQ_BLOCK, path);
	if (fdatasync(fd) != 0)
		die("fdatasync %s: %s", path, strerror(errno));
	secs = now_s() - t0;
	close(fd);
	unlink(path);
	free(buf);
	return (double) SEQ_BLOCKS * SEQ_BLOCK / secs / 1e6;
}

/* Latencies (ms, sorted) of SYNC_ROUNDS 4 KiB appends + fdatasync. */
static void
sync_latency(const char *dir, double *ms)
{
	char		path[4096];
	char		buf[SYNC_BLOCK];
	int			fd;

	memset(buf, 'd', sizeof(buf));
	snprintf(path, sizeof(path), "%s/bench_disk_sync.%d.tmp", dir, (int) getpid());
	fd = create_file(path);
	for (int i = 0; i < SYNC_ROUNDS; i++)
	{
		double		t0 = now_s();

		write_full(fd, buf, sizeof(buf), path);
		if (fdatasync(fd) != 0)
			die("fdatasync %s: %s", path, strerror(errno));
		ms[i] = (now_s() - t0) * 1e3;
	}
	close(fd);
	unlink(path);
	qsort(ms, SYNC_ROUNDS, sizeof(double), cmp_double);
}

int
main(int argc, char **argv)
{
	static double ms[SYNC_ROUNDS];
	struct stat a,
				b;
	double		mbps[SEQ_ROUNDS];

	if (argc != 2 && argc != 3)
	{
		fprintf(stderr, "usage: %s DIR [SAME_FS_AS]\n", argv[0]);
		return 2;
	}
	if (stat(argv[1], &a) != 0)
		die("%s: %s", argv[1], strerror(errno));
	if (argc == 3 && (stat(argv[2], &b) != 0 || a.st_dev != b.st_dev))
		die("%s is not on the file system of %s", argv[1], argv[2]);
	for (int i = 0; i < SEQ_ROUNDS; i++)
		mbps[i] = seq_write(argv[1]);
	qsort(mbps, SEQ_ROUNDS, sizeof(double), cmp_double);
	sync_latency(argv[1], ms);
	printf("seq_write_MBps=%.1f fdatasync_p50_ms=%.3f fdatasync_p99_ms=%.3f fdatasync_max_ms=%.3f\n",
		   mbps[SEQ_ROUNDS / 2], ms[SYNC_ROUNDS / 2], ms[SYNC_ROUNDS * 99 / 100], ms[SYNC_ROUNDS - 1]);
	return 0;
}
