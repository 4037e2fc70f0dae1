/*
 * test_replay.c: the anti-replay window and ESN inference (src/ipsec/replay.c)
 * without EAL: window sizes 32, 64, 1024, 4096; in order, duplicate, old,
 * far ahead, wrap of the 32-bit space with ESN; RFC 4303 Appendix A cases.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "replay.h"

static struct replay_win *
win_new(uint32_t w, uint64_t top)
{
	struct replay_win *win = malloc(replay_win_size(w));

	assert_non_null(win);
	assert_int_equal(replay_init(win, w, top), 0);
	return win;
}

/* check() then commit() as the datapath does. */
static enum replay_res
rx(struct replay_win *win, uint64_t seq)
{
	enum replay_res r = replay_check(win, seq);

	if (r != REPLAY_OK)
		return r;
	return replay_commit(win, seq);
}

static const uint32_t sizes[] = { 32, 64, 1024, 4096 };

static void
test_in_order_and_dup(void **state)
{
	unsigned i;
	uint64_t s;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct replay_win *win = win_new(sizes[i], 0);

		assert_int_equal(rx(win, 0), REPLAY_ZERO);
		for (s = 1; s <= 3 * sizes[i] + 7; s++)
			assert_int_equal(rx(win, s), REPLAY_OK);
		/* every number still in the window is a duplicate */
		for (s = 3 * sizes[i] + 7; s > 2 * sizes[i] + 7; s--)
			assert_int_equal(rx(win, s), REPLAY_DUP);
		/* and the first one left of it is old */
		assert_int_equal(rx(win, 2 * sizes[i] + 7), REPLAY_OLD);
		assert_int_equal(rx(win, 1), REPLAY_OLD);
		free(win);
	}
}

static void
test_window_edges(void **state)
{
	unsigned i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t w = sizes[i];
		uint64_t top = 10ULL * w + 3;
		struct replay_win *win = win_new(w, 0);

		assert_int_equal(rx(win, top), REPLAY_OK);
		/* left edge: top - w + 1 is inside, top - w is outside */
		assert_int_equal(replay_check(win, top - w), REPLAY_OLD);
		assert_int_equal(replay_commit(win, top - w), REPLAY_OLD);
		assert_int_equal(rx(win, top - w + 1), REPLAY_OK);
		assert_int_equal(rx(win, top - w + 1), REPLAY_DUP);
		/* reordered inside the window: all accepted once */
		assert_int_equal(rx(win, top - 1), REPLAY_OK);
		assert_int_equal(rx(win, top - w / 2), REPLAY_OK);
		assert_int_equal(rx(win, top - 1), REPLAY_DUP);
		/* one ahead slides by one: the old left edge falls out */
		assert_int_equal(rx(win, top + 1), REPLAY_OK);
		assert_int_equal(replay_check(win, top - w + 1), REPLAY_OLD);
		/* far ahead: everything before is forgotten, no stale bits */
		assert_int_equal(rx(win, top + 100ULL * w), REPLAY_OK);
		assert_int_equal(rx(win, top + 100ULL * w - 1), REPLAY_OK);
		assert_int_equal(rx(win, top + 100ULL * w - w + 1), REPLAY_OK);
		assert_int_equal(rx(win, top + 100ULL * w - w), REPLAY_OLD);
		free(win);
	}
}

/* Bits left from an earlier lap of the bitmap must be cleared when the
 * window slides by less than the bitmap size. */
static void
test_no_stale_bits(void **state)
{
	unsigned i;
	uint64_t s, base;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t w = sizes[i];
		struct replay_win *win = win_new(w, 0);

		for (s = 1; s <= w; s++)
			assert_int_equal(rx(win, s), REPLAY_OK);
		/* jump by steps of 64 + 1 and fill the gaps backwards */
		base = w;
		for (s = 0; s < 40; s++) {
			uint64_t nt = base + 65 + s * 7, k;

			assert_int_equal(rx(win, nt), REPLAY_OK);
			for (k = nt - 1; k > base && nt - k < w; k--)
				assert_int_equal(rx(win, k), REPLAY_OK);
			base = nt;
		}
		free(win);
	}
}

/* Every order of a shuffled stream inside the window is accepted exactly
 * once; the same stream again is refused entirely. */
static void
test_shuffled(void **state)
{
	enum { N = 5000 };
	static uint64_t seqs[N];
	unsigned i, j, ok;

	for (i = 0; i < N; i++)
		seqs[i] = i + 1;
	srand(7);
	/* shuffles inside disjoint blocks of 16: every packet arrives less
	 * than 16 places from its position, inside every window size */
	for (i = 0; i + 16 <= N; i += 16)
		for (j = 0; j < 16; j++) {
			unsigned a = i + rand() % 16, b = i + rand() % 16;
			uint64_t t = seqs[a];

			seqs[a] = seqs[b];
			seqs[b] = t;
		}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct replay_win *win = win_new(sizes[i], 0);

		for (j = 0, ok = 0; j < N; j++)
			ok += rx(win, seqs[j]) == REPLAY_OK;
		assert_int_equal(ok, N);
		for (j = 0, ok = 0; j < N; j++)
			ok += rx(win, seqs[j]) == REPLAY_OK;
		assert_int_equal(ok, 0);
		free(win);
	}
}

/* The 64-bit window crosses 2^32 (ESN) like any other number. */
static void
test_wrap_esn(void **state)
{
	unsigned i;
	uint64_t s, start = (1ULL << 32) - 100;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct replay_win *win = win_new(sizes[i], start);

		assert_int_equal(rx(win, start), REPLAY_DUP);
		for (s = start + 1; s < start + 300; s++)
			assert_int_equal(rx(win, s), REPLAY_OK);
		assert_int_equal(rx(win, start + 298), REPLAY_DUP);
		assert_int_equal(rx(win, 1ULL << 32), sizes[i] > 199 ?
		    REPLAY_DUP : REPLAY_OLD);
		assert_int_equal(rx(win, start + 299 - sizes[i]), REPLAY_OLD);
		free(win);
	}
}

static void
test_disabled(void **state)
{
	struct replay_win *win = win_new(0, 0);

	assert_int_equal(rx(win, 5), REPLAY_OK);
	assert_int_equal(rx(win, 5), REPLAY_OK);
	assert_int_equal(rx(win, 1), REPLAY_OK);
	assert_int_equal(rx(win, 0), REPLAY_ZERO);
	assert_true(win->top == 5);
	assert_int_equal(replay_init(win, 65537, 0), -EINVAL);
	free(win);
}

static void
test_esn_infer(void **state)
{
	uint64_t s;

	/* Case A (Tl >= W - 1): window within one subspace */
	assert_int_equal(esn_infer((1ULL << 32) | 100, 64, 50, &s), 0);
	assert_true(s == ((1ULL << 32) | 50));		/* inside the window */
	assert_int_equal(esn_infer((1ULL << 32) | 100, 64, 37, &s), 0);
	assert_true(s == ((1ULL << 32) | 37));		/* left edge Tl-W+1 */
	assert_int_equal(esn_infer((1ULL << 32) | 100, 64, 36, &s), 0);
	assert_true(s == ((2ULL << 32) | 36));		/* below: next subspace */
	assert_int_equal(esn_infer((1ULL << 32) | 100, 64, 5000, &s), 0);
	assert_true(s == ((1ULL << 32) | 5000));	/* ahead, same subspace */
	assert_int_equal(esn_infer((1ULL << 32) | 0xffffffffU, 64, 3, &s), 0);
	assert_true(s == ((2ULL << 32) | 3));		/* wrapped */
	assert_int_equal(esn_infer(63, 64, 0, &s), 0);	/* Tl == W-1 */
	assert_true(s == 0);				/* (then refused as 0) */
	assert_int_equal(esn_infer(64, 64, 0, &s), 0);
	assert_true(s == (1ULL << 32));
	/* Case B (Tl < W - 1): window spans two subspaces */
	assert_int_equal(esn_infer((1ULL << 32) | 10, 64, 0xfffffff0U, &s), 0);
	assert_true(s == 0xfffffff0ULL);		/* previous subspace */
	assert_int_equal(esn_infer((1ULL << 32) | 10, 64, 0xffffffcbU, &s), 0);
	assert_true(s == 0xffffffcbULL);		/* left edge */
	assert_int_equal(esn_infer((1ULL << 32) | 10, 64, 0xffffffcaU, &s), 0);
	assert_true(s == ((1ULL << 32) | 0xffffffcaU));	/* far ahead */
	assert_int_equal(esn_infer((1ULL << 32) | 10, 64, 5, &s), 0);
	assert_true(s == ((1ULL << 32) | 5));
	assert_int_equal(esn_infer((1ULL << 32) | 10, 64, 20, &s), 0);
	assert_true(s == ((1ULL << 32) | 20));
	/* Case B at the very start: Th - 1 would be negative */
	assert_int_equal(esn_infer(10, 64, 0xfffffff0U, &s), -1);
	assert_int_equal(esn_infer(10, 64, 11, &s), 0);
	assert_true(s == 11);
	/* large windows */
	assert_int_equal(esn_infer((5ULL << 32) | 100, 4096, 0xfffff065U, &s), 0);
	assert_true(s == ((4ULL << 32) | 0xfffff065U));
	assert_int_equal(esn_infer((5ULL << 32) | 100, 4096, 0xfffff064U, &s), 0);
	assert_true(s == ((5ULL << 32) | 0xfffff064U));
}

/* Inference and window together across the 2^32 boundary with reordering. */
static void
test_esn_stream(void **state)
{
	struct replay_win *win = win_new(64, 0xffffff00ULL);
	uint64_t s, got;
	unsigned ok = 0;

	for (s = 0xffffff01ULL; s < 0x100000100ULL; s += 2) {
		uint64_t pair[2] = { s + 1, s };	/* swapped pairs */
		unsigned k;

		for (k = 0; k < 2; k++) {
			assert_int_equal(esn_infer(win->top, 64,
			    (uint32_t)pair[k], &got), 0);
			assert_true(got == pair[k]);
			ok += rx(win, got) == REPLAY_OK;
		}
	}
	assert_int_equal(ok, 512);
	free(win);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_and_dup),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_no_stale_bits),
		cmocka_unit_test(test_shuffled),
		cmocka_unit_test(test_wrap_esn),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_esn_infer),
		cmocka_unit_test(test_esn_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
