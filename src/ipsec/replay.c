/*
 * replay.c: the anti-replay window (RFC 4303 3.4.3, with the RFC 6479
 * block bitmap) and the receiver's ESN inference (RFC 4303 Appendix A).
 * Pure functions; no DPDK, no allocation.  See replay.h for the
 * concurrency contract: readers use atomic loads, the single committer
 * publishes with atomic stores, so a concurrent replay_check() sees either
 * the old or the new state of each word (never a torn one) and is always
 * re-validated by replay_commit().
 */
#include <errno.h>
#include <string.h>

#include "replay.h"

#define BLK_BITS	64
#define BLK_SHIFT	6

static uint32_t
blocks_for(uint32_t w)
{
	uint32_t need, n;

	/* One spare block: the block holding the window's left edge may
	 * share its index with the block being opened on the right. */
	need = (w + BLK_BITS - 1) / BLK_BITS + 1;
	for (n = 1; n < need; n <<= 1)
		;
	return n;
}

size_t
replay_win_size(uint32_t w)
{
	return sizeof(struct replay_win) + blocks_for(w) * sizeof(uint64_t);
}

int
replay_init(struct replay_win *win, uint32_t w, uint64_t top)
{
	uint32_t n;

	if (w > 65536)
		return -EINVAL;
	n = blocks_for(w);
	win->top = top;
	win->size = w;
	win->blk_mask = n - 1;
	memset(win->bmp, 0, n * sizeof(uint64_t));
	/* The initial top counts as seen (it is 0 normally, never valid). */
	win->bmp[(top >> BLK_SHIFT) & win->blk_mask] |=
	    UINT64_C(1) << (top & (BLK_BITS - 1));
	return 0;
}

enum replay_res
replay_check(const struct replay_win *win, uint64_t seq)
{
	uint64_t top, blk;

	if (seq == 0)
		return REPLAY_ZERO;
	if (win->size == 0)
		return REPLAY_OK;
	top = __atomic_load_n(&win->top, __ATOMIC_ACQUIRE);
	if (seq > top)
		return REPLAY_OK;
	if (top - seq >= win->size)
		return REPLAY_OLD;
	blk = __atomic_load_n(&win->bmp[(seq >> BLK_SHIFT) & win->blk_mask],
	    __ATOMIC_RELAXED);
	if (blk & (UINT64_C(1) << (seq & (BLK_BITS - 1))))
		return REPLAY_DUP;
	return REPLAY_OK;
}

enum replay_res
replay_commit(struct replay_win *win, uint64_t seq)
{
	uint64_t top, b, bit, old;
	uint64_t idx, tidx, diff, i;

	if (seq == 0)
		return REPLAY_ZERO;
	if (win->size == 0) {
		if (seq > __atomic_load_n(&win->top, __ATOMIC_RELAXED))
			__atomic_store_n(&win->top, seq, __ATOMIC_RELEASE);
		return REPLAY_OK;
	}
	/* committers are serialised by the caller; readers are not */
	top = __atomic_load_n(&win->top, __ATOMIC_RELAXED);
	idx = seq >> BLK_SHIFT;
	bit = UINT64_C(1) << (seq & (BLK_BITS - 1));
	if (seq > top) {
		/* Slide: clear the blocks that the new top opens. */
		tidx = top >> BLK_SHIFT;
		diff = idx - tidx;
		if (diff > (uint64_t)win->blk_mask + 1)
			diff = (uint64_t)win->blk_mask + 1;
		for (i = 1; i <= diff; i++)
			__atomic_store_n(&win->bmp[(tidx + i) & win->blk_mask],
			    0, __ATOMIC_RELAXED);
		b = idx & win->blk_mask;
		old = __atomic_load_n(&win->bmp[b], __ATOMIC_RELAXED);
		__atomic_store_n(&win->bmp[b], old | bit, __ATOMIC_RELAXED);
		__atomic_store_n(&win->top, seq, __ATOMIC_RELEASE);
		return REPLAY_OK;
	}
	if (top - seq >= win->size)
		return REPLAY_OLD;
	b = idx & win->blk_mask;
	old = __atomic_load_n(&win->bmp[b], __ATOMIC_RELAXED);
	if (old & bit)
		return REPLAY_DUP;
	__atomic_store_n(&win->bmp[b], old | bit, __ATOMIC_RELAXED);
	return REPLAY_OK;
}

int
esn_infer(uint64_t top, uint32_t w, uint32_t seq_lo, uint64_t *seq)
{
	uint32_t th = (uint32_t)(top >> 32), tl = (uint32_t)top;
	uint32_t bottom;

	if (w == 0)
		w = 1;
	bottom = tl - w + 1;	/* mod 2^32 */
	if (tl >= w - 1) {
		/* Case A: the window lies within one subspace. */
		if (seq_lo >= bottom)
			*seq = ((uint64_t)th << 32) | seq_lo;
		else
			*seq = ((uint64_t)(th + 1) << 32) | seq_lo;	/* wraps only at 2^64 */
		return 0;
	}
	/* Case B: the window spans two subspaces. */
	if (seq_lo >= bottom) {
		if (th == 0)
			return -1;
		*seq = ((uint64_t)(th - 1) << 32) | seq_lo;
	} else {
		*seq = ((uint64_t)th << 32) | seq_lo;
	}
	return 0;
}
