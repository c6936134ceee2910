// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helper of tests/target/30-claims.sh: the claim ioctls sh cannot issue.
 *
 *   pbus-claim-race race DEV ADDR LEN NPROC   NPROC processes claim the
 *       same range at once; prints "winners W busy B other O"
 *   pbus-claim-race claim DEV ADDR LEN        prints OK or the errno name
 *   pbus-claim-race write DEV ADDR            unclaimed 1-byte pwrite;
 *       prints OK or the errno name
 *   pbus-claim-race claimwrite DEV ADDR LEN   claim, then pwrite LEN bytes
 *       and one byte past the claim; prints "OK <errno name>"
 *
 * Build: arm-linux-gnueabihf-gcc -static -O2 -Wall -Wextra -I include/uapi
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/pbus.h>

static const char *ename(int e)
{
	switch (e) {
	case 0: return "OK";
	case EBUSY: return "EBUSY";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ENOTTY: return "ENOTTY";
	case ENODEV: return "ENODEV";
	case ENOTCONN: return "ENOTCONN";
	default: return strerror(e);
	}
}

static int do_claim(int fd, unsigned long long addr, unsigned long long len)
{
	struct pbus_ioc_range r = { .addr = addr, .len = len };

	return ioctl(fd, PBUS_IOC_CLAIM, &r) ? errno : 0;
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
			e = do_claim(fd, addr, len);
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

int main(int argc, char **argv)
{
	unsigned long long addr, len = 0;
	char b = 0x5a;
	int fd, e;

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
		perror(argv[2]);
		return 2;
	}
	if (!strcmp(argv[1], "claim") && argc == 5) {
		printf("%s\n", ename(do_claim(fd, addr, len)));
	} else if (!strcmp(argv[1], "write") && argc == 4) {
		e = pwrite(fd, &b, 1, (off_t)addr) == 1 ? 0 : errno;
		printf("%s\n", ename(e));
	} else if (!strcmp(argv[1], "claimwrite") && argc == 5) {
		char *buf = calloc(1, len + 1);

		e = buf ? do_claim(fd, addr, len) : ENOMEM;
		if (!e && pwrite(fd, buf, len, (off_t)addr) != (ssize_t)len)
			e = errno;
		printf("%s ", ename(e));
		e = pwrite(fd, buf, len + 1, (off_t)addr) == (ssize_t)len + 1 ?
		    0 : errno;
		printf("%s\n", ename(e));
		free(buf);
	} else {
		fprintf(stderr, "usage: see the source\n");
		return 2;
	}
	close(fd);
	return 0;
}
