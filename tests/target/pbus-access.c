// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helper of tests/target/30-claims.sh and 35-access.sh: the claim and
 * access cases of /dev/pbus/<name> that sh cannot issue. Each prints its
 * results (OK or the errno name).
 *
 *   pbus-access [-u UID:GID] CASE DEV ARGS...
 *     -u UID:GID   drop to that user (supplementary group GID) first
 *   race DEV ADDR LEN NPROC    NPROC processes claim the same range at
 *                              once: "winners W busy B other O"
 *   claim DEV ADDR LEN         PBUS_IOC_CLAIM
 *   write DEV ADDR             unclaimed 1-byte pwrite
 *   claimwrite DEV ADDR LEN    claim, pwrite LEN bytes, then LEN + 1 bytes
 *                              (one past the claim): two results
 *   read DEV ADDR LEN          pread LEN bytes
 *   reset DEV VAL              PBUS_IOC_RESET with a pointer to VAL
 *   cap DEV ADDR               claim 16-byte ranges 32 bytes apart until one
 *                              fails: "<claims taken> <errno of the next>"
 *   merge DEV ADDR             claim [A, +16) and [A+16, +16) (they merge),
 *                              release [A+8, +16) out of the middle, then
 *                              1-byte writes at A, A+8, A+23, A+24: seven results
 *   hold DEV ADDR LEN          one thread writes LEN claimed bytes, another
 *                              releases the claim meanwhile: "<write result>
 *                              <release result> release-after-write|release-during-write"
 *
 * Build: arm-linux-gnueabihf-gcc -static -O2 -Wall -Wextra -I include/uapi
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/pbus.h>

static const char *ename(int e)
{
	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ENOSPC: return "ENOSPC";
	case EFAULT: return "EFAULT";
	case ENOTCONN: return "ENOTCONN";
	case ENOTTY: return "ENOTTY";
	case ENODEV: return "ENODEV";
	default: return strerror(e);
	}
}

static int range_ioc(int fd, unsigned long cmd, unsigned long long addr,
		     unsigned long long len)
{
	struct pbus_ioc_range r = { .addr = addr, .len = len };

	return ioctl(fd, cmd, &r) ? errno : 0;
}

static int pw(int fd, const void *buf, size_t len, unsigned long long addr)
{
	ssize_t n = pwrite(fd, buf, len, (off_t)addr);

	return n == (ssize_t)len ? 0 : n < 0 ? errno : EIO;
}

static int race(const char *dev, unsigned long long addr,
		unsigned long long len, int n)
{
	int go[2], res[2], i, st, win = 0, busy = 0, other = 0;
	char c;

	if (n < 2 || n > 64 || pipe(go) || pipe(res))
		return 2;
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 2;
		if (!pid) {
			int fd = open(dev, O_RDWR), e;

			close(go[1]);
			if (fd < 0)
				_exit(3);
			/* All children block here until the parent says go. */
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			e = range_ioc(fd, PBUS_IOC_CLAIM, addr, len);
			c = e == 0 ? 'W' : e == EBUSY ? 'B' : 'O';
			if (write(res[1], &c, 1) != 1)
				_exit(3);
			/* Hold a won claim until every child has tried. */
			usleep(300000);
			_exit(0);
		}
	}
	close(res[1]);
	close(go[0]);
	usleep(100000);
	close(go[1]);		/* EOF wakes every child at once */
	while (read(res[0], &c, 1) == 1) {
		if (c == 'W')
			win++;
		else if (c == 'B')
			busy++;
		else
			other++;
	}
	while (wait(&st) > 0)
		;
	printf("winners %d busy %d other %d\n", win, busy, other);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct hold {
	int fd;
	unsigned long long addr, len;
	int ret;
	double done;
};

static void *hold_writer(void *arg)
{
	struct hold *h = arg;
	char *buf = calloc(1, h->len);

	h->ret = buf ? pw(h->fd, buf, h->len, h->addr) : ENOMEM;
	h->done = now();
	free(buf);
	return NULL;
}

static int hold(int fd, unsigned long long addr, unsigned long long len)
{
	struct hold h = { .fd = fd, .addr = addr, .len = len };
	pthread_t t;
	double asked, released;
	int e;

	e = range_ioc(fd, PBUS_IOC_CLAIM, addr, len);
	if (e) {
		printf("%s - -\n", ename(e));
		return 0;
	}
	if (pthread_create(&t, NULL, hold_writer, &h))
		return 2;
	usleep(200000);	/* the write is under way: LEN is many frames */
	asked = now();
	e = range_ioc(fd, PBUS_IOC_RELEASE, addr, len);
	released = now();
	pthread_join(t, NULL);
	fprintf(stderr, "write ended %.3f s, release returned %.3f s after the release was asked\n",
		h.done - asked, released - asked);
	/* the writer's clock read follows the kernel's end of the write */
	printf("%s %s %s\n", ename(h.ret), ename(e),
	       h.done <= asked ? "write-too-short" :
	       released + 0.005 >= h.done ? "release-after-write" :
	       "release-during-write");
	return 0;
}

static int drop_to(const char *spec)
{
	unsigned int uid, gid;
	gid_t g;

	if (sscanf(spec, "%u:%u", &uid, &gid) != 2)
		return -1;
	g = gid;
	if (setgroups(1, &g) || setgid(gid) || setuid(uid))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long addr = 0, len = 0;
	char b = 0x5a;
	unsigned int i;
	int fd, e, rc = 0;
	__u32 val;

	if (argc > 2 && !strcmp(argv[1], "-u")) {
		if (drop_to(argv[2])) {
			perror("dropping privileges");
			return 2;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: see the source\n");
		return 2;
	}
	addr = strtoull(argv[3], NULL, 0);
	if (argc > 4)
		len = strtoull(argv[4], NULL, 0);
	if (!strcmp(argv[1], "race") && argc == 6)
		return race(argv[2], addr, len, atoi(argv[5]));

	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		printf("open: %s\n", ename(errno));
		return 0;
	}
	if (!strcmp(argv[1], "read") && argc == 5) {
		char *buf = calloc(1, len);
		ssize_t n = buf ? pread(fd, buf, len, (off_t)addr) : -1;

		printf("%s\n", ename(n == (ssize_t)len ? 0 : n < 0 ? errno : EIO));
		free(buf);
	} else if (!strcmp(argv[1], "write") && argc == 4) {
		printf("%s\n", ename(pw(fd, &b, 1, addr)));
	} else if (!strcmp(argv[1], "claimwrite") && argc == 5) {
		char *buf = calloc(1, len + 1);

		e = buf ? range_ioc(fd, PBUS_IOC_CLAIM, addr, len) : ENOMEM;
		if (!e)
			e = pw(fd, buf, len, addr);
		printf("%s ", ename(e));
		printf("%s\n", ename(buf ? pw(fd, buf, len + 1, addr) : ENOMEM));
		free(buf);
	} else if (!strcmp(argv[1], "reset") && argc == 4) {
		val = addr;
		printf("%s\n", ename(ioctl(fd, PBUS_IOC_RESET, &val) ? errno : 0));
	} else if (!strcmp(argv[1], "claim") && argc == 5) {
		printf("%s\n", ename(range_ioc(fd, PBUS_IOC_CLAIM, addr, len)));
	} else if (!strcmp(argv[1], "cap") && argc == 4) {
		for (i = 0, e = 0; !e && i < 1000; i++)
			e = range_ioc(fd, PBUS_IOC_CLAIM, addr + 32ULL * i, 16);
		printf("%u %s\n", e ? i - 1 : i, ename(e));
	} else if (!strcmp(argv[1], "merge") && argc == 4) {
		printf("%s ", ename(range_ioc(fd, PBUS_IOC_CLAIM, addr, 16)));
		printf("%s ", ename(range_ioc(fd, PBUS_IOC_CLAIM, addr + 16, 16)));
		printf("%s ", ename(range_ioc(fd, PBUS_IOC_RELEASE, addr + 8, 16)));
		printf("%s ", ename(pw(fd, &b, 1, addr)));
		printf("%s ", ename(pw(fd, &b, 1, addr + 8)));
		printf("%s ", ename(pw(fd, &b, 1, addr + 23)));
		printf("%s\n", ename(pw(fd, &b, 1, addr + 24)));
	} else if (!strcmp(argv[1], "hold") && argc == 5) {
		rc = hold(fd, addr, len);
	} else {
		fprintf(stderr, "usage: see the source\n");
		rc = 2;
	}
	close(fd);
	return rc;
}
