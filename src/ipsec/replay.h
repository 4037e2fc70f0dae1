/*
 * replay.h: anti-replay window and ESN inference, pure functions on plain
 * memory (no DPDK, no EAL), private to src/ipsec and its tests; included by
 * esp_priv.h.
 *
 * The window is an RFC 6479 bitmap: 64-bit blocks, a power-of-two number of
 * them, with one block more than the window needs so that sliding the
 * window only clears whole blocks and never the block that holds bits still
 * inside the window.  Sequence numbers are always 64-bit here: without ESN
 * the high half is simply zero.
 *
 * Concurrency: replay_check() may run on any number of workers at the same
 * time as one replay_commit() (it only reads, with atomic loads, and its
 * answer is advisory: a packet that passes it is checked again by
 * replay_commit()).  replay_commit() calls must be serialised by the
 * caller (esp_inb.c holds the SA's replay spinlock around a burst's
 * commits).
 */
#ifndef DPSEC_REPLAY_H
#define DPSEC_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/** One SA's inbound window.  Allocate replay_win_size(w) bytes. */
struct replay_win {
	uint64_t top;		/**< [A] highest committed sequence number */
	uint32_t size;		/**< [I] window size W in packets (0 = off) */
	uint32_t blk_mask;	/**< [I] number of bitmap blocks - 1 */
	uint64_t bmp[];		/**< [A] blk_mask + 1 blocks */
};

/** replay_check / replay_commit results */
enum replay_res {
	REPLAY_OK = 0,
	REPLAY_DUP = 1,		/**< inside the window, already seen */
	REPLAY_OLD = 2,		/**< left of the window */
	REPLAY_ZERO = 3,	/**< sequence number 0 is never sent */
};

/** Bytes for a window of w packets (w <= 65536). */
size_t replay_win_size(uint32_t w);

/**
 * Initialise a window of w packets whose highest seen number is top
 * (normally 0).  Returns 0 or -EINVAL for w too large.
 */
int replay_init(struct replay_win *win, uint32_t w, uint64_t top);

/**
 * Would seq be accepted?  Does not change the window.
 * @return REPLAY_OK or the reason it would not be.
 */
enum replay_res replay_check(const struct replay_win *win, uint64_t seq);

/**
 * Check again and, if acceptable, record seq (sliding the window if seq is
 * above the top).  Call only after the packet was authenticated.
 * @return REPLAY_OK (recorded) or the reason it was not.
 */
enum replay_res replay_commit(struct replay_win *win, uint64_t seq);

/**
 * RFC 4303 Appendix A3: infer the high-order 32 bits of an extended
 * sequence number from the low-order 32 bits seen on the wire, given the
 * top of the window (the highest authenticated number) and the window
 * size w (if the SA has no replay window, pass the size used for
 * inference, e.g. 64).
 *
 * @param top     highest authenticated 64-bit sequence number
 * @param w       window size, >= 1
 * @param seq_lo  the packet's 32-bit sequence number field
 * @param seq     out: the inferred 64-bit number
 * @return 0, or -1 when the inference points below 0 (Th - 1 with Th = 0):
 *   such a packet can only be a replay.
 */
int esn_infer(uint64_t top, uint32_t w, uint32_t seq_lo, uint64_t *seq);

#endif /* DPSEC_REPLAY_H */
