/*-------------------------------------------------------------------------
 *
 * bench_disk.c
 *	  What the disk under a directory can do, as the ceiling for durable
 *	  produce (bench_durability.c compares kafkapg against it):
 *
 *	  - sustained sequential write bandwidth, the figure durable produce is
 *		held against: BENCH_DISK_MB MiB (default 4096) written in 1 MiB
 *		blocks to a new file through the page cache, then one fdatasync
 *		(what fio --rw=write --bs=1M --size=4g --end_fsync=1 measures); MB/s
 *		over the whole.  The volume is larger than the kernel's dirty-page
 *		allowance on the benchmark machines, so the figure is the rate at
 *		which the page cache writes back, as for a broker that keeps writing,
 *		not the rate of filling memory;
 *	  - burst write: 256 MiB the same way, the median of 3 files.  This fits
 *		in the dirty-page allowance and mostly measures copying into the page
 *		cache (printed for comparison with earlier runs, not a target);
 *	  - direct write: 1 GiB with O_DIRECT in 1 MiB blocks, the device
 *		without the page cache (for comparison);
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
 *	  seq_write_MBps=... burst_write_MBps=... direct_write_MBps=...
 *	  fdatasync_p50_ms=... fdatasync_p99_ms=... fdatasync_max_ms=...
 *
 * MB = 10^6 bytes.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
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
#define BURST_BLOCKS 256
#define BURST_ROUNDS 3
#define DIRECT_BLOCKS 1024
#define SYNC_BLOCK 4096
#define SYNC_ROUNDS 1000

static int
create_file(const char *path, int flags)
{
	int			fd = open(path, O_CREAT | O_EXCL | O_WRONLY | flags, 0600);

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

/*
 * MB/s of writing nblocks 1 MiB blocks to a new file and fdatasyncing it;
 * O_DIRECT when direct.
 */
static double
seq_write(const char *dir, long nblocks, bool direct)
{
	char		path[4096];
	char	   *buf;
	int			fd;
	double		t0,
				secs;

	if (posix_memalign((void **) &buf, 4096, SEQ_BLOCK) != 0)
		die("out of memory");
	/* not zeros: a file system or device could treat those specially */
	for (int i = 0; i < SEQ_BLOCK; i++)
		buf[i] = (char) (i * 131 + 7);
	snprintf(path, sizeof(path), "%s/bench_disk_seq.%d.tmp", dir, (int) getpid());
	fd = create_file(path, direct ? O_DIRECT : 0);
	t0 = now_s();
	for (long i = 0; i < nblocks; i++)
		write_full(fd, buf, SEQ_BLOCK, path);
	if (fdatasync(fd) != 0)
		die("fdatasync %s: %s", path, strerror(errno));
	secs = now_s() - t0;
	close(fd);
	unlink(path);
	free(buf);
	return (double) nblocks * SEQ_BLOCK / secs / 1e6;
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
	fd = create_file(path, 0);
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
	double		burst[BURST_ROUNDS],
				sustained,
				direct;
	const char *mb = getenv("BENCH_DISK_MB");
	long		sustained_blocks = mb != NULL ? atol(mb) : 4096;

	if (argc != 2 && argc != 3)
	{
		fprintf(stderr, "usage: %s DIR [SAME_FS_AS]\n", argv[0]);
		return 2;
	}
	if (stat(argv[1], &a) != 0)
		die("%s: %s", argv[1], strerror(errno));
	if (argc == 3 && (stat(argv[2], &b) != 0 || a.st_dev != b.st_dev))
		die("%s is not on the file system of %s", argv[1], argv[2]);
	if (sustained_blocks < 1)
		die("BENCH_DISK_MB must be at least 1");
	sustained = seq_write(argv[1], sustained_blocks, false);
	direct = seq_write(argv[1], DIRECT_BLOCKS, true);
	for (int i = 0; i < BURST_ROUNDS; i++)
		burst[i] = seq_write(argv[1], BURST_BLOCKS, false);
	qsort(burst, BURST_ROUNDS, sizeof(double), cmp_double);
	sync_latency(argv[1], ms);
	printf("seq_write_MBps=%.1f burst_write_MBps=%.1f direct_write_MBps=%.1f "
		   "fdatasync_p50_ms=%.3f fdatasync_p99_ms=%.3f fdatasync_max_ms=%.3f\n",
		   sustained, burst[BURST_ROUNDS / 2], direct,
		   ms[SYNC_ROUNDS / 2], ms[SYNC_ROUNDS * 99 / 100], ms[SYNC_ROUNDS - 1]);
	return 0;
}
