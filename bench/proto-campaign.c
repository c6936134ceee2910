// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host fault campaign of the pbus protocol core (bench/README.md): N
 * transactions per fault class through the real core, the unit tests'
 * wire model and the master end's retry policy, against a remote whose
 * writes have side effects. Prints per class what was injected, detected,
 * retried, failed to the caller, and the counts that must stay 0; then the
 * residual error bound the check implies. Exit status 1 if any must-be-0
 * count is not.
 *
 *   proto-campaign [transactions per class [seed]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pbus_proto.h"
#include "wire.h"
#include "fx.h"

/* log10 of P(at least w of n bits wrong) at bit error rate p (w << n*p fails). */
static double log10_tail(long n, int w, double p)
{
	double lc = lgamma(n + 1.0) - lgamma(w + 1.0) - lgamma(n - w + 1.0);

	return (lc + w * log(p) + (n - w) * log1p(-p)) / log(10.0);
}

int main(int argc, char **argv)
{
	long per = argc > 1 ? atol(argv[1]) : 120000;
	uint32_t seed = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) :
				   0x5eed1234u;
	struct fx_campaign *c = malloc(sizeof(*c));
	struct fx_class t = { 0 };
	long frames, i, nbits;
	clock_t t0 = clock();
	int f, bad = 0;
	double ber = 0.000001, l;

	fx_campaign_init(c, seed, NULL);
	for (i = 0; i < per * (WF_KINDS - 1); i++)
		fx_campaign_one(c, 1 + i % (WF_KINDS - 1));
	frames = c->h.frames;

	printf("pbus protocol v%d campaign: %ld transactions, %ld frames, seed 0x%x, %.1f s\n",
	       PBUS_PROTO_VERSION, per * (WF_KINDS - 1), frames, seed,
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	printf("%-8s %8s %8s %8s %8s %7s %7s %6s %5s %5s %7s %6s %4s %4s\n",
	       "class", "trans", "injected", "detected", "retried", "failed",
	       "mayrun", "reset", "stale", "false", "corrupt", "double",
	       "lost", "lies");
	for (f = 1; f < WF_KINDS; f++) {
		struct fx_class *k = &c->cls[f];

		printf("%-8s %8ld %8ld %8ld %8ld %7ld %7ld %6ld %5ld %5ld %7ld %6ld %4ld %4ld\n",
		       fx_class_name[f], k->trans, k->injected, k->detected,
		       k->retried, k->failed, k->doubt, k->reset, k->stale,
		       k->false_reset, k->corrupt, k->doubles, k->lost,
		       k->lies);
		t.trans += k->trans;
		t.injected += k->injected;
		t.detected += k->detected;
		t.retried += k->retried;
		t.failed += k->failed;
		t.doubt += k->doubt;
		t.reset += k->reset;
		t.stale += k->stale;
		t.false_reset += k->false_reset;
		t.corrupt += k->corrupt;
		t.doubles += k->doubles;
		t.lost += k->lost;
		t.lies += k->lies;
	}
	printf("%-8s %8ld %8ld %8ld %8ld %7ld %7ld %6ld %5ld %5ld %7ld %6ld %4ld %4ld\n",
	       "total", t.trans, t.injected, t.detected, t.retried, t.failed,
	       t.doubt, t.reset, t.stale, t.false_reset, t.corrupt,
	       t.doubles, t.lost, t.lies);
	/* Frames of link-ups and resyncs included. */
	printf("results per frame: ok %ld link %ld crc %ld status %ld busy %ld reset %ld\n",
	       c->h.res[0], c->h.res[1], c->h.res[2], c->h.res[3],
	       c->h.res[4], c->h.res[8]);

	/*
	 * Residual bound, worst frame (a write retry: header with epoch, max
	 * payload, CRC-32C): an undetected error needs >= 4 wrong bits (HD
	 * >= 4, test_crc_distance) and then matches one of 2^32 check values.
	 */
	nbits = (PBUS_HDR_MAX + PBUS_MAX_PAYLOAD + PBUS_CRC_LEN) * 8;
	l = log10_tail(nbits, 4, ber) - 32 * log10(2.0);
	printf("residual: worst frame %ld bits, BER %.0e: P(undetected) <= 10^%.1f per frame\n",
	       nbits, ber, l);
	l = log10_tail(16, 4, ber) - 8 * log10(2.0);
	printf("residual: write answer 16 bits (HD 4), BER %.0e: P(forged OK) <= 10^%.1f\n",
	       ber, l);
	/*
	 * A read answer is believed only under its CRC-32C, which starts
	 * with the header the remote judged: a damaged request passing its
	 * CRC-8 still needs the CRC-32C to miss as well.
	 */
	nbits = (PBUS_HDR_LEN + 1 + PBUS_MAX_PAYLOAD + PBUS_CRC_LEN) * 8;
	l = log10_tail(nbits, 4, ber) - 32 * log10(2.0);
	printf("residual: read answer %ld bits, BER %.0e: P(undetected) <= 10^%.1f\n",
	       nbits, ber, l);

	if (t.corrupt || t.doubles || t.lost || t.lies || t.false_reset) {
		printf("FAIL: corrupt/double/lost/lies/false must be 0\n");
		bad = 1;
	}
	fx_campaign_free(c);
	free(c);
	printf("%d passed, %d failed\n", !bad, bad);
	return bad;
}
