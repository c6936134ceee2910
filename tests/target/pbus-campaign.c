// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus-campaign: a fault campaign through the kernel (issue 10). Random
 * writes and reads of a region of the remote's window through the char
 * device while the test cable injects faults (the cable's chaos knobs: the
 * caller sets them), against a reference copy of the region and the
 * slave's execution log, which counts executions where the idempotent
 * window cannot:
 *
 *  - every word written carries (sequence number << 8 | word index), so a
 *    log record (address, length, first word) names the write and the
 *    frame it belongs to;
 *  - a write that returned success must have run exactly once, frame by
 *    frame (its words' records cover it once); a failed one at most once;
 *    a record seen twice is a double execution, a record at the wrong
 *    address or a successful write without records a lost or misdirected
 *    one;
 *  - a read that returned success must return what the reference holds:
 *    the value of the last write known to have run, or, for words of a
 *    write that failed, that one or the one before (a failed write may have
 *    run); anything else is an undetected corruption.
 *
 * Usage: pbus-campaign [-d DEV] [-n OPS] [-r REGION] [-m MAXLEN] [-w PCT]
 *	  [-s SEED] [-x EXEC_LOG] [-C CABLE_DIR -e CHAOS_EVERY]
 * With -C, the cable's chaos_every is set to CHAOS_EVERY after the initial
 * read of the region and to 0 after the last operation; the region is then
 * read back whole and judged (the caller picks chaos_classes).
 * Prints one "key value" line per counter; exits 1 on an undetected
 * corruption, a double execution, a lost write or an incomplete log, 2 on
 * a usage or setup error.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/pbus.h>

#define WORD_IDX_BITS	8
#define MAX_WORDS	256u	/* words per write (1 KiB): WORD_IDX_BITS */
#define REC_BYTES	12
#define XLOG_MAX	1048576ul	/* PBUS_XLOG_MAX */

enum wstate { W_SURE, W_EITHER, W_ANY };

struct word {
	uint32_t cur;		/* the value the word holds */
	uint32_t alt;		/* W_EITHER: or this one */
	uint8_t state;
};

struct wr {
	uint32_t addr;		/* first byte */
	uint16_t words;
	uint8_t ok;		/* returned success (all of it) */
	uint16_t done_words;	/* words of the frames known to have run */
	uint16_t *seen;		/* per word index: times a record named it */
};

static struct word *ref;
static struct wr *wrs;
static uint32_t nwrs;
static uint32_t rnd = 0x12345678;

static struct {
	unsigned long writes, writes_ok, writes_short, writes_failed;
	unsigned long reads, reads_ok, reads_failed;
	unsigned long undetected, double_exec, lost, misdirected, unknown;
	unsigned long records;
} st;

static uint32_t xrand(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 17;
	rnd ^= rnd << 5;
	return rnd;
}

static void print_usage(void)
{
	fputs("usage: pbus-campaign [-d DEV] [-n OPS] [-r REGION] [-m MAXLEN] [-w PCT]\n"
	      "       [-s SEED] [-x EXEC_LOG] [-C CABLE_DIR -e CHAOS_EVERY]\n", stderr);
}

/* A read returned @v for word @i: judge it against the reference. */
static void judge(uint32_t i, uint32_t v)
{
	struct word *w = &ref[i];

	switch (w->state) {
	case W_SURE:
		if (v != w->cur) {
			if (st.undetected < 10)
				fprintf(stderr,
					"pbus-campaign: word 0x%x reads 0x%08x, wrote 0x%08x\n",
					i * 4, v, w->cur);
			st.undetected++;
		}
		break;
	case W_EITHER:
		if (v != w->cur && v != w->alt) {
			if (st.undetected < 10)
				fprintf(stderr,
					"pbus-campaign: word 0x%x reads 0x%08x, wrote 0x%08x or 0x%08x\n",
					i * 4, v, w->cur, w->alt);
			st.undetected++;
		}
		break;
	default:
		break;
	}
	w->cur = v;
	w->state = W_SURE;
}

static int do_read(int fd, uint32_t addr, uint32_t words, uint32_t *buf)
{
	ssize_t n;
	uint32_t i;

	st.reads++;
	n = pread(fd, buf, words * 4, addr);
	if (n < 0) {
		st.reads_failed++;
		return -1;
	}
	for (i = 0; i < (uint32_t)n / 4; i++)
		judge(addr / 4 + i, buf[i]);
	if ((uint32_t)n != words * 4) {
		st.reads_failed++;
		return -1;
	}
	st.reads_ok++;
	return 0;
}

static void do_write(int fd, uint32_t addr, uint32_t words, uint32_t *buf)
{
	struct wr *w = &wrs[nwrs];
	uint32_t seq = nwrs, i, done;
	ssize_t n;

	for (i = 0; i < words; i++)
		buf[i] = seq << WORD_IDX_BITS | i;
	w->addr = addr;
	w->words = words;
	w->seen = calloc(words, sizeof(*w->seen));
	if (!w->seen) {
		perror("pbus-campaign: calloc");
		exit(2);
	}
	nwrs++;
	st.writes++;
	n = pwrite(fd, buf, words * 4, addr);
	done = n > 0 ? (uint32_t)n / 4 : 0;
	w->done_words = done;
	w->ok = (uint32_t)n == words * 4;
	if (w->ok)
		st.writes_ok++;
	else if (n > 0)
		st.writes_short++;
	else
		st.writes_failed++;

	for (i = 0; i < words; i++) {
		struct word *r = &ref[addr / 4 + i];

		if (i < done) {
			r->cur = buf[i];
			r->state = W_SURE;
		} else if (r->state == W_SURE) {
			/* may have run: the frame that failed, at most */
			r->alt = buf[i];
			r->state = W_EITHER;
		} else {
			r->state = W_ANY;
		}
	}
}

/* Read the slave's execution log and check every record against the writes. */
static int check_log(const char *path)
{
	unsigned char rec[REC_BYTES];
	uint32_t i, k;
	int twice;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	while (fread(rec, 1, REC_BYTES, f) == REC_BYTES) {
		uint32_t addr, len, w0, seq, idx;

		memcpy(&addr, rec, 4);
		memcpy(&len, rec + 4, 4);
		memcpy(&w0, rec + 8, 4);
		st.records++;
		seq = w0 >> WORD_IDX_BITS;
		idx = w0 & (MAX_WORDS - 1);
		if (seq >= nwrs || idx >= wrs[seq].words ||
		    addr != wrs[seq].addr + idx * 4 || len % 4 ||
		    idx + len / 4 > wrs[seq].words) {
			/* the initial fill and the final check are not logged */
			if (st.misdirected < 10)
				fprintf(stderr,
					"pbus-campaign: record 0x%x+%u word 0x%08x: no such frame\n",
					addr, len, w0);
			st.misdirected++;
			continue;
		}
		twice = 0;
		for (k = idx; k < idx + len / 4; k++)
			if (++wrs[seq].seen[k] > 1)
				twice = 1;
		if (twice) {
			if (st.double_exec < 10)
				fprintf(stderr,
					"pbus-campaign: write %u, frame at 0x%x+%u, ran twice\n",
					seq, addr, len);
			st.double_exec++;
		}
	}
	fclose(f);

	for (i = 0; i < nwrs; i++) {
		struct wr *w = &wrs[i];

		for (k = 0; k < w->words; k++) {
			if (k < w->done_words && !w->seen[k]) {
				if (st.lost < 10)
					fprintf(stderr,
						"pbus-campaign: write %u word %u at 0x%x returned done, never ran\n",
						i, k, w->addr + k * 4);
				st.lost++;
			}
		}
	}
	return 0;
}

static int write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(val, f) < 0 ? -1 : 0;
	if (fclose(f))
		ret = -1;
	return ret;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/pbus/pbus0", *xlog = NULL, *cable = NULL;
	const char *every = "0";
	unsigned long ops = 10000, op, cap;
	uint32_t region = 65536, maxlen = 256, wpct = 70, words, i;
	struct pbus_ioc_stats s0, s1;
	struct pbus_ioc_range range;
	struct timespec t0, t1;
	char path[512], val[32];
	uint32_t *buf;
	int fd, c, rc = 0;
	long lost;

	while ((c = getopt(argc, argv, "d:n:r:m:w:s:x:C:e:")) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'n':
			ops = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			region = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			maxlen = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			wpct = strtoul(optarg, NULL, 0);
			break;
		case 's':
			rnd = strtoul(optarg, NULL, 0) ?: 1;
			break;
		case 'x':
			xlog = optarg;
			break;
		case 'C':
			cable = optarg;
			break;
		case 'e':
			every = optarg;
			break;
		default:
			print_usage();
			return 2;
		}
	}
	if (region < 4 || region % 4 || maxlen < 4 || maxlen % 4 ||
	    maxlen > MAX_WORDS * 4 || region % maxlen || wpct > 100 ||
	    ops >= (1ul << (32 - WORD_IDX_BITS))) {
		print_usage();
		return 2;
	}

	ref = calloc(region / 4, sizeof(*ref));
	wrs = calloc(ops, sizeof(*wrs));
	buf = malloc(region > maxlen ? region : maxlen);
	if (!ref || !wrs || !buf) {
		perror("pbus-campaign: malloc");
		return 2;
	}
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		perror(dev);
		return 2;
	}
	range.addr = 0;
	range.len = region;
	if (ioctl(fd, PBUS_IOC_CLAIM, &range)) {
		perror("pbus-campaign: claim");
		return 2;
	}
	/* What the region holds now (the caller turns the faults on after). */
	for (i = 0; i < region / 4; i++)
		ref[i].state = W_ANY;
	for (i = 0; i < region; i += maxlen)
		if (do_read(fd, i, maxlen / 4, buf))
			fprintf(stderr, "pbus-campaign: initial read of 0x%x failed\n", i);
	memset(&st, 0, sizeof(st));

	if (xlog) {
		/* a frame per word at most; the kernel's cap (pbus-xlog.h) */
		cap = ops * (maxlen / 4) + 16;
		snprintf(val, sizeof(val), "%lu", cap < XLOG_MAX ? cap : XLOG_MAX);
		if (write_file(xlog, val)) {
			perror(xlog);
			return 2;
		}
	}
	if (ioctl(fd, PBUS_IOC_STATS, &s0)) {
		perror("pbus-campaign: stats");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/chaos_every", cable ? cable : "");
	if (cable && write_file(path, every)) {
		perror(path);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (op = 0; op < ops; op++) {
		uint32_t addr;

		words = 1 + xrand() % (maxlen / 4);
		addr = (xrand() % (region / 4 - words + 1)) * 4;
		if (xrand() % 100 < wpct)
			do_write(fd, addr, words, buf);
		else
			do_read(fd, addr, words, buf);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ioctl(fd, PBUS_IOC_STATS, &s1)) {
		perror("pbus-campaign: stats");
		return 2;
	}

	/* Faults off: the whole region must be what the reference says. */
	if (cable) {
		if (write_file(path, "0")) {
			perror(path);
			return 2;
		}
		for (i = 0; i < region; i += maxlen) {
			for (c = 0; c < 3; c++)
				if (!do_read(fd, i, maxlen / 4, buf))
					break;
			if (c == 3) {
				fprintf(stderr,
					"pbus-campaign: final read of 0x%x failed\n",
					i);
				rc = 1;
			}
		}
	}

	if (xlog) {
		snprintf(path, sizeof(path), "%s_lost", xlog);
		lost = read_long(path);
		if (check_log(xlog)) {
			rc = 2;
		} else if (lost != 0) {
			fprintf(stderr,
				"pbus-campaign: %ld writes not in the log (full or unreadable)\n",
				lost);
			rc = 1;
		}
		write_file(xlog, "0");
	}

	for (i = 0; i < region / 4; i++)
		if (ref[i].state == W_ANY)
			st.unknown++;
	if (cable && st.unknown) {
		fprintf(stderr,
			"pbus-campaign: %lu words unread after the final read\n",
			st.unknown);
		rc = 1;
	}

	printf("ops %lu\n", ops);
	printf("seconds %.1f\n", (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("frames %llu\n", (unsigned long long)(s1.frames - s0.frames));
	printf("writes %lu\nwrites_ok %lu\nwrites_short %lu\nwrites_failed %lu\n",
	       st.writes, st.writes_ok, st.writes_short, st.writes_failed);
	printf("reads %lu\nreads_ok %lu\nreads_failed %lu\n", st.reads,
	       st.reads_ok, st.reads_failed);
	printf("crc_errors %llu\nstatus_errors %llu\nretries %llu\n",
	       (unsigned long long)(s1.crc_errors - s0.crc_errors),
	       (unsigned long long)(s1.status_errors - s0.status_errors),
	       (unsigned long long)(s1.retries - s0.retries));
	printf("timeouts %llu\nresyncs %llu\nfailed %llu\n",
	       (unsigned long long)(s1.timeouts - s0.timeouts),
	       (unsigned long long)(s1.resyncs - s0.resyncs),
	       (unsigned long long)(s1.failed - s0.failed));
	printf("records %lu\n", st.records);
	printf("undetected %lu\ndouble_exec %lu\nlost %lu\nmisdirected %lu\n",
	       st.undetected, st.double_exec, st.lost, st.misdirected);
	printf("unknown_words %lu\n", st.unknown);
	if (st.undetected || st.double_exec || st.lost || st.misdirected)
		rc = 1;
	close(fd);
	return rc;
}
