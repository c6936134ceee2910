// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbusctl: user tool for the pbus char device /dev/pbus/<name>.
 *
 *   pbusctl [-d DEV] info | stats | reset [--hard] | peek ADDR [LEN] |
 *           poke ADDR VALUE... | dump ADDR LEN [FILE] | load ADDR FILE |
 *           claim ADDR LEN [SECONDS] | bench [--size N] [--count N] [ADDR]
 *
 * Build (static, for the target): arm-linux-gnueabihf-gcc -static -O2
 *        -Wall -Wextra -I include/uapi -I include
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/pbus.h>

static const char *dev_path = "/dev/pbus/pbus0";

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: pbusctl [-d DEV] COMMAND [ARGS]\n"
		"  info                  bus and remote parameters\n"
		"  stats [--reset]       link counters\n"
		"  reset [--hard]        resync the link (--hard: pulse RESET)\n"
		"  peek ADDR [LEN]       hex dump LEN (default 4) bytes\n"
		"  poke ADDR VALUE...    write bytes (claims the range first)\n"
		"  dump ADDR LEN [FILE]  read to FILE (default stdout)\n"
		"  load ADDR FILE        write FILE (claims the range first)\n"
		"  claim ADDR LEN [SEC]  hold a claim for SEC seconds (default 1)\n"
		"  bench [--size N] [--count N] [ADDR]\n"
		"                        read/write throughput (write claims)\n"
		"DEV defaults to %s. Numbers: decimal, 0x hex or 0 octal.\n",
		dev_path);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "pbusctl: bad number '%s'\n", s);
		return -1;
	}
	return 0;
}

static int parse_addr(const char *s, uint64_t *v)
{
	if (parse_u64(s, v))
		return -1;
	if (*v > 0xffffffffull) {
		fprintf(stderr, "pbusctl: address '%s' above 0xffffffff\n", s);
		return -1;
	}
	return 0;
}

static int open_dev(int flags)
{
	int fd = open(dev_path, flags | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "pbusctl: %s: %s\n", dev_path, strerror(errno));
	return fd;
}

static int claim_range(int fd, uint64_t addr, uint64_t len)
{
	struct pbus_ioc_range r = { .addr = addr, .len = len };

	if (ioctl(fd, PBUS_IOC_CLAIM, &r) < 0) {
		fprintf(stderr, "pbusctl: claiming 0x%llx+%llu: %s\n",
			(unsigned long long)addr, (unsigned long long)len,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* pread/pwrite until done; the driver may return short counts. */
static int xfer(int fd, int write, void *buf, size_t len, uint64_t addr)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (write)
			n = pwrite(fd, (char *)buf + done, len - done,
				   (off_t)(addr + done));
		else
			n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(addr + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "pbusctl: %s 0x%llx: %s\n",
				write ? "write" : "read",
				(unsigned long long)(addr + done),
				n < 0 ? strerror(errno) : "end of space");
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

static int cmd_info(void)
{
	struct pbus_ioc_info info;
	int fd = open_dev(O_RDONLY);

	if (fd < 0)
		return 1;
	if (ioctl(fd, PBUS_IOC_INFO, &info) < 0) {
		perror("pbusctl: PBUS_IOC_INFO");
		close(fd);
		return 1;
	}
	close(fd);
	printf("name %.*s\n", PBUS_NAME_LEN, info.name);
	printf("link_up %u\n", !!(info.flags & PBUS_INFO_LINK_UP));
	printf("proto_version %u\n", info.proto_version);
	printf("window_size %u\n", info.window_size);
	printf("max_payload %u\n", info.max_payload);
	printf("set_multiple %u\n", !!(info.flags & PBUS_INFO_SET_MULTIPLE));
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct pbus_ioc_stats s;
	int reset = argc > 1 && !strcmp(argv[1], "--reset");
	int fd = open_dev(reset ? O_RDWR : O_RDONLY);

	if (fd < 0)
		return 1;
	if (ioctl(fd, PBUS_IOC_STATS, &s) < 0) {
		perror("pbusctl: PBUS_IOC_STATS");
		close(fd);
		return 1;
	}
	printf("frames %llu\nbytes_read %llu\nbytes_written %llu\n"
	       "crc_errors %llu\nstatus_errors %llu\nretries %llu\n"
	       "timeouts %llu\nresyncs %llu\nirqs %llu\nfailed %llu\n"
	       "wire_bytes %llu\n",
	       (unsigned long long)s.frames, (unsigned long long)s.bytes_read,
	       (unsigned long long)s.bytes_written,
	       (unsigned long long)s.crc_errors,
	       (unsigned long long)s.status_errors,
	       (unsigned long long)s.retries, (unsigned long long)s.timeouts,
	       (unsigned long long)s.resyncs, (unsigned long long)s.irqs,
	       (unsigned long long)s.failed,
	       (unsigned long long)s.wire_bytes);
	if (reset && ioctl(fd, PBUS_IOC_RESET_STATS) < 0) {
		perror("pbusctl: PBUS_IOC_RESET_STATS");
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

static int cmd_reset(int argc, char **argv)
{
	__u32 hard = argc > 1 && !strcmp(argv[1], "--hard");
	int fd = open_dev(O_RDWR);

	if (fd < 0)
		return 1;
	if (ioctl(fd, PBUS_IOC_RESET, &hard) < 0) {
		fprintf(stderr, "pbusctl: reset: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

static void hexdump(uint64_t addr, const uint8_t *p, size_t len)
{
	size_t i, j;

	for (i = 0; i < len; i += 16) {
		printf("%08llx:", (unsigned long long)(addr + i));
		for (j = i; j < i + 16 && j < len; j++)
			printf(" %02x", p[j]);
		printf("\n");
	}
}

static int cmd_peek(int argc, char **argv)
{
	uint64_t addr, len = 4;
	uint8_t *buf;
	int fd, ret;

	if (argc < 2 || argc > 3 || parse_addr(argv[1], &addr) ||
	    (argc == 3 && parse_u64(argv[2], &len)))
		return 2;
	if (!len || len > (1u << 24)) {
		fprintf(stderr, "pbusctl: bad length\n");
		return 2;
	}
	buf = malloc(len);
	fd = open_dev(O_RDONLY);
	if (!buf || fd < 0) {
		free(buf);
		return 1;
	}
	ret = xfer(fd, 0, buf, len, addr);
	if (!ret)
		hexdump(addr, buf, len);
	close(fd);
	free(buf);
	return ret ? 1 : 0;
}

static int cmd_poke(int argc, char **argv)
{
	uint64_t addr, v;
	uint8_t *buf;
	int fd, i, ret = 1;

	if (argc < 3 || parse_addr(argv[1], &addr))
		return 2;
	buf = malloc(argc);
	if (!buf)
		return 1;
	for (i = 2; i < argc; i++) {
		if (parse_u64(argv[i], &v) || v > 0xff) {
			fprintf(stderr, "pbusctl: byte values only\n");
			free(buf);
			return 2;
		}
		buf[i - 2] = (uint8_t)v;
	}
	fd = open_dev(O_RDWR);
	if (fd >= 0) {
		if (!claim_range(fd, addr, argc - 2))
			ret = xfer(fd, 1, buf, argc - 2, addr) ? 1 : 0;
		close(fd);
	}
	free(buf);
	return ret;
}

static int cmd_dump(int argc, char **argv)
{
	uint64_t addr, len, done = 0;
	static uint8_t buf[65536];
	FILE *out = stdout;
	int fd, ret = 0;
	size_t n;

	if (argc < 3 || argc > 4 || parse_addr(argv[1], &addr) ||
	    parse_u64(argv[2], &len))
		return 2;
	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return 1;
	if (argc == 4) {
		out = fopen(argv[3], "wb");
		if (!out) {
			fprintf(stderr, "pbusctl: %s: %s\n", argv[3],
				strerror(errno));
			close(fd);
			return 1;
		}
	}
	while (done < len) {
		n = len - done > sizeof(buf) ? sizeof(buf) : len - done;
		if (xfer(fd, 0, buf, n, addr + done) ||
		    fwrite(buf, 1, n, out) != n) {
			ret = 1;
			break;
		}
		done += n;
	}
	if (out != stdout && fclose(out))
		ret = 1;
	else if (out == stdout && fflush(out))
		ret = 1;
	close(fd);
	return ret;
}

static int cmd_load(int argc, char **argv)
{
	static uint8_t buf[65536];
	uint64_t addr, done = 0;
	struct stat st;
	int fd, ret = 1;
	FILE *in;
	size_t n;

	if (argc != 3 || parse_addr(argv[1], &addr))
		return 2;
	in = fopen(argv[2], "rb");
	if (!in) {
		fprintf(stderr, "pbusctl: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (fstat(fileno(in), &st) || st.st_size <= 0) {
		fprintf(stderr, "pbusctl: %s: empty or unreadable\n", argv[2]);
		fclose(in);
		return 1;
	}
	fd = open_dev(O_RDWR);
	if (fd < 0 || claim_range(fd, addr, (uint64_t)st.st_size))
		goto out;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (done + n > (uint64_t)st.st_size ||
		    xfer(fd, 1, buf, n, addr + done))
			goto out;
		done += n;
	}
	ret = ferror(in) ? 1 : 0;
out:
	if (fd >= 0)
		close(fd);
	fclose(in);
	return ret;
}

static int cmd_claim(int argc, char **argv)
{
	uint64_t addr, len, sec = 1;
	int fd;

	if (argc < 3 || argc > 4 || parse_addr(argv[1], &addr) ||
	    parse_u64(argv[2], &len) || (argc == 4 && parse_u64(argv[3], &sec)))
		return 2;
	fd = open_dev(O_RDWR);
	if (fd < 0)
		return 1;
	if (claim_range(fd, addr, len)) {
		close(fd);
		return 1;
	}
	sleep((unsigned int)sec);
	close(fd);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_bench(int argc, char **argv)
{
	uint64_t size = 4096, count = 64, addr = 0, i;
	double t, total;
	uint8_t *buf;
	int fd, a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--size") && a + 1 < argc) {
			if (parse_u64(argv[++a], &size))
				return 2;
		} else if (!strcmp(argv[a], "--count") && a + 1 < argc) {
			if (parse_u64(argv[++a], &count))
				return 2;
		} else if (parse_addr(argv[a], &addr)) {
			return 2;
		}
	}
	if (!size || size > (1u << 24) || !count) {
		fprintf(stderr, "pbusctl: bad size or count\n");
		return 2;
	}
	buf = malloc(size);
	if (!buf)
		return 1;
	for (i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	fd = open_dev(O_RDWR);
	if (fd < 0 || claim_range(fd, addr, size)) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	total = (double)size * count;

	t = now();
	for (i = 0; i < count; i++)
		if (xfer(fd, 1, buf, size, addr))
			goto fail;
	t = now() - t;
	printf("write %llu x %llu B: %.0f bytes/s\n", (unsigned long long)count,
	       (unsigned long long)size, total / t);

	t = now();
	for (i = 0; i < count; i++)
		if (xfer(fd, 0, buf, size, addr))
			goto fail;
	t = now() - t;
	printf("read %llu x %llu B: %.0f bytes/s\n", (unsigned long long)count,
	       (unsigned long long)size, total / t);
	close(fd);
	free(buf);
	return 0;
fail:
	close(fd);
	free(buf);
	return 1;
}

int main(int argc, char **argv)
{
	const char *cmd;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-d") && argc > 2) {
			dev_path = argv[2];
			argc -= 2;
			argv += 2;
			continue;
		}
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			print_usage(stdout);
			return 0;
		}
		print_usage(stderr);
		return 2;
	}
	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "info"))
		return cmd_info();
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "reset"))
		return cmd_reset(argc, argv);
	if (!strcmp(cmd, "peek"))
		return cmd_peek(argc, argv);
	if (!strcmp(cmd, "poke"))
		return cmd_poke(argc, argv);
	if (!strcmp(cmd, "dump"))
		return cmd_dump(argc, argv);
	if (!strcmp(cmd, "load"))
		return cmd_load(argc, argv);
	if (!strcmp(cmd, "claim"))
		return cmd_claim(argc, argv);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc, argv);
	fprintf(stderr, "pbusctl: unknown command '%s'\n", cmd);
	print_usage(stderr);
	return 2;
}
