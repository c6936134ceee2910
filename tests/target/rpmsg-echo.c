// SPDX-License-Identifier: GPL-2.0-only
/*
 * rpmsg-echo: exercise an echo service of the remote through rpmsg_char.
 *
 *   rpmsg-echo echo  -d DST [-n COUNT] [-s MAXSIZE] [-e ENDPOINTS] [-w WINDOW] [-S SEED]
 *   rpmsg-echo bench -d DST [-n COUNT] [-s SIZE] [-w WINDOW]
 *   rpmsg-echo tty   DEVICE [LINE]
 *
 * echo: ENDPOINTS endpoints (RPMSG_CREATE_EPT_IOCTL on the control device)
 * each send COUNT messages of random sizes 1..MAXSIZE (WINDOW in flight per
 * endpoint) to remote address DST; every reply must equal what was sent,
 * in order. bench: round-trip latency (one in flight) and throughput
 * (WINDOW in flight) for SIZE-byte messages, one "key=value" line.
 * tty: a line written to an rpmsg tty (raw mode) must come back.
 * -c CTRL selects the control device (default /dev/rpmsg_ctrl0); -t S the
 * bound of every wait (default 5 s). Exit 0 on success.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/rpmsg.h>
#include <linux/types.h>

#define MTU		496
#define MAX_EPTS	16
#define MAX_WINDOW	32
#define ADDR_ANY	0xffffffffu

struct msg {
	size_t len;
	unsigned char data[MTU];
	__u64 t0;
};

struct ept {
	int fd;
	char name[32];
	unsigned long sent, got;
	struct msg win[MAX_WINDOW];	/* in flight, index = seq % window */
};

static const char *ctrl_path = "/dev/rpmsg_ctrl0";
static int timeout_ms = 5000;
static __u32 rng = 0x2545f491u;

static __u32 xorshift(__u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "rpmsg-echo: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The /dev node of the endpoint device named @name, waited for (bounded). */
static int open_ept_dev(const char *name)
{
	char path[300], buf[64];
	int waited = 0, fd;
	struct dirent *de;
	DIR *dir;
	FILE *f;

	for (;;) {
		dir = opendir("/sys/class/rpmsg");
		while (dir && (de = readdir(dir))) {
			if (strncmp(de->d_name, "rpmsg", 5) ||
			    !strncmp(de->d_name, "rpmsg_ctrl", 10))
				continue;
			snprintf(path, sizeof(path), "/sys/class/rpmsg/%s/name",
				 de->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
			buf[strcspn(buf, "\n")] = 0;
			if (strcmp(buf, name))
				continue;
			snprintf(path, sizeof(path), "/dev/%s", de->d_name);
			fd = open(path, O_RDWR);
			if (fd >= 0) {
				closedir(dir);
				return fd;
			}
		}
		if (dir)
			closedir(dir);
		if (waited >= timeout_ms) {
			fprintf(stderr, "rpmsg-echo: no device for endpoint %s\n",
				name);
			exit(1);
		}
		usleep(10000);
		waited += 10;
	}
}

static void ept_open(struct ept *e, int ctrl, int i, __u32 dst)
{
	struct rpmsg_endpoint_info info;

	memset(&info, 0, sizeof(info));
	snprintf(e->name, sizeof(e->name), "pbus-echo-%d-%d", (int)getpid(), i);
	memcpy(info.name, e->name, sizeof(info.name));
	info.src = ADDR_ANY;
	info.dst = dst;
	if (ioctl(ctrl, RPMSG_CREATE_EPT_IOCTL, &info))
		die("RPMSG_CREATE_EPT_IOCTL");
	e->fd = open_ept_dev(e->name);
}

static void ept_close(struct ept *e)
{
	if (ioctl(e->fd, RPMSG_DESTROY_EPT_IOCTL))
		die("RPMSG_DESTROY_EPT_IOCTL");
	close(e->fd);
}

static void fill(struct msg *m, unsigned int ept, unsigned long seq,
		 size_t len)
{
	__u32 s = (__u32)(seq * 2654435761u) ^ (ept << 24) ^ 0x9e3779b9u;
	size_t i;

	for (i = 0; i < len; i++)
		m->data[i] = (unsigned char)xorshift(&s);
	/* identify the message in its first bytes where they fit */
	memcpy(m->data, &seq, len < sizeof(__u32) ? len : sizeof(__u32));
	m->len = len;
}

static void send_msg(struct ept *e, struct msg *m)
{
	ssize_t n;

	m->t0 = now_ns();
	n = write(e->fd, m->data, m->len);
	if (n != (ssize_t)m->len) {
		if (n < 0)
			die("write");
		fprintf(stderr, "rpmsg-echo: short write %zd/%zu\n", n, m->len);
		exit(1);
	}
}

/*
 * Run COUNT messages per endpoint through the echo service with @window
 * in flight. @fixed: every message is @maxsize bytes. Latencies (ns) of
 * every round trip go to @lat if not NULL (one endpoint only).
 */
static int run(struct ept *epts, int nepts, unsigned long count,
	       size_t maxsize, int fixed, int window, __u64 *lat)
{
	struct pollfd pfd[MAX_EPTS];
	unsigned char buf[MTU + 64];
	unsigned long done = 0;
	struct msg *m;
	struct ept *e;
	ssize_t n;
	int i, r;

	for (i = 0; i < nepts; i++) {
		e = &epts[i];
		e->sent = 0;
		e->got = 0;
		while (e->sent < count && e->sent < (unsigned long)window) {
			m = &e->win[e->sent % window];
			fill(m, i, e->sent, fixed ? maxsize : 1 + xorshift(&rng) % maxsize);
			send_msg(e, m);
			e->sent++;
		}
		pfd[i].fd = e->fd;
		pfd[i].events = POLLIN;
	}

	while (done < (unsigned long)nepts) {
		r = poll(pfd, nepts, timeout_ms);
		if (r < 0)
			die("poll");
		if (!r) {
			for (i = 0; i < nepts; i++)
				fprintf(stderr, "rpmsg-echo: endpoint %d: sent %lu, echoed %lu\n",
					i, epts[i].sent, epts[i].got);
			fprintf(stderr, "rpmsg-echo: no echo within %d ms\n",
				timeout_ms);
			return 1;
		}
		for (i = 0; i < nepts; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			e = &epts[i];
			n = read(e->fd, buf, sizeof(buf));
			if (n < 0)
				die("read");
			if (e->got >= e->sent) {
				fprintf(stderr, "rpmsg-echo: ept %d: extra message after %lu\n",
					i, e->got);
				return 1;
			}
			m = &e->win[e->got % window];
			if ((size_t)n != m->len || memcmp(buf, m->data, n)) {
				fprintf(stderr, "rpmsg-echo: ept %d: echo %lu differs (%zd/%zu)\n",
					i, e->got, n, m->len);
				return 1;
			}
			if (lat)
				lat[e->got] = now_ns() - m->t0;
			e->got++;
			if (e->got == count) {
				pfd[i].fd = -1;
				done++;
				continue;
			}
			if (e->sent < count) {
				m = &e->win[e->sent % window];
				fill(m, i, e->sent, fixed ? maxsize : 1 + xorshift(&rng) % maxsize);
				send_msg(e, m);
				e->sent++;
			}
		}
	}

	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int do_tty(const char *dev, const char *line)
{
	char buf[256], want[256];
	size_t len, got = 0;
	struct pollfd pfd;
	struct termios t;
	ssize_t n;
	int fd;

	fd = open(dev, O_RDWR | O_NOCTTY);
	if (fd < 0)
		die(dev);
	if (tcgetattr(fd, &t))
		die("tcgetattr");
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t))
		die("tcsetattr");
	tcflush(fd, TCIOFLUSH);
	len = (size_t)snprintf(want, sizeof(want), "%s\n", line);
	if (write(fd, want, len) != (ssize_t)len)
		die("write");
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < len) {
		if (poll(&pfd, 1, timeout_ms) <= 0) {
			fprintf(stderr, "rpmsg-echo: %s: got %zu of %zu bytes back\n",
				dev, got, len);
			return 1;
		}
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n <= 0)
			die("read");
		got += n;
	}
	close(fd);
	if (got != len || memcmp(buf, want, len)) {
		fprintf(stderr, "rpmsg-echo: %s: line differs\n", dev);
		return 1;
	}
	printf("tty %s: %zu bytes echoed\n", dev, len);
	return 0;
}

static void print_usage(void)
{
	fprintf(stderr,
		"rpmsg-echo echo -d DST [-n N] [-s MAX] [-e EPTS] [-w WIN] [-S SEED]\n"
		"rpmsg-echo bench -d DST [-n N] [-s SIZE] [-w WIN]\n"
		"rpmsg-echo tty DEVICE [LINE]\n"
		"  common: [-c CTRL (/dev/rpmsg_ctrl0)] [-t TIMEOUT_S (5)]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long count = 1000;
	int nepts = 1, window = 1, i, ctrl, ret, opt;
	struct ept epts[MAX_EPTS];
	size_t size = MTU;
	__s64 dst = -1;
	const char *cmd;
	__u64 t0, t1, *lat;

	if (argc < 2)
		print_usage();
	cmd = argv[1];
	if (!strcmp(cmd, "tty"))
		return argc >= 3 ? do_tty(argv[2], argc >= 4 ? argv[3] :
					  "pbus rpmsg tty line") : (print_usage(), 2);
	optind = 2;
	while ((opt = getopt(argc, argv, "d:n:s:e:w:S:c:t:")) != -1) {
		switch (opt) {
		case 'd':
			dst = strtoll(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 'e':
			nepts = atoi(optarg);
			break;
		case 'w':
			window = atoi(optarg);
			break;
		case 'S':
			rng = (__u32)strtoul(optarg, NULL, 0) | 1;
			break;
		case 'c':
			ctrl_path = optarg;
			break;
		case 't':
			timeout_ms = atoi(optarg) * 1000;
			break;
		default:
			print_usage();
		}
	}
	if (dst < 0 || !count || !size || size > MTU || nepts < 1 ||
	    nepts > MAX_EPTS || window < 1 || window > MAX_WINDOW ||
	    timeout_ms <= 0)
		print_usage();

	ctrl = open(ctrl_path, O_RDWR);
	if (ctrl < 0)
		die(ctrl_path);

	if (!strcmp(cmd, "echo")) {
		for (i = 0; i < nepts; i++)
			ept_open(&epts[i], ctrl, i, (__u32)dst);
		t0 = now_ns();
		ret = run(epts, nepts, count, size, 0, window, NULL);
		t1 = now_ns();
		for (i = 0; i < nepts; i++)
			ept_close(&epts[i]);
		if (!ret)
			printf("echo: %d x %lu messages (1..%zu bytes) in order, %.2f s\n",
			       nepts, count, size, (t1 - t0) / 1e9);
	} else if (!strcmp(cmd, "bench")) {
		lat = calloc(count, sizeof(*lat));
		if (!lat)
			die("calloc");
		ept_open(&epts[0], ctrl, 0, (__u32)dst);
		ret = run(epts, 1, count, size, 1, 1, lat);
		if (!ret) {
			qsort(lat, count, sizeof(*lat), cmp_u64);
			t0 = now_ns();
			ret = run(epts, 1, count, size, 1, window, NULL);
			t1 = now_ns();
		}
		ept_close(&epts[0]);
		if (!ret) {
			printf("size=%zu n=%lu median_us=%.0f p99_us=%.0f ",
			       size, count, lat[count / 2] / 1e3,
			       lat[(count * 99) / 100] / 1e3);
			printf("window=%d msgs_per_s=%.0f kib_per_s=%.1f\n", window,
			       count / ((t1 - t0) / 1e9),
			       count * size / 1024.0 / ((t1 - t0) / 1e9));
		}
		free(lat);
	} else {
		print_usage();
	}
	close(ctrl);
	return ret;
}
