/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dump.c: SADB_DUMP from a consistent snapshot without copying (lesson 1).
 *
 * sad->all holds every SA in insertion order; each SA carries the
 * generation at which it was added (add_gen) and, once deleted, the one at
 * which it died (del_gen). A dump started at generation G returns exactly
 * the SAs with add_gen <= G that were not deleted at G: their number is
 * known at the start (sadb_msg_seq can count down to 0), SAs added later
 * sit after them in the list and end the walk, and an SA deleted while
 * the dump runs is kept in the list as a "zombie" (unlinked from the
 * indexes, DEAD, invisible to workers, not freed) until no running dump
 * can still reach it. The cursor holds a reference on the SA it returned
 * last, so its position survives any update between two calls: a reader
 * may take hours, others are served meanwhile, and the cost is only the
 * memory of SAs deleted during a dump, released as the dump passes them.
 * Entries show the SA as it is when returned (counters and state move;
 * deleted ones come back DEAD). sad_tick()'s slice cursor uses the same
 * reference.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>

#include "sad_priv.h"

/* Can a running dump still return this deleted SA? */
int
sad_dump_needs(const struct sad *sad, const struct sa *sa)
{
	const struct sad_dump *d;

	TAILQ_FOREACH(d, &sad->dumps, link) {
		if (d->done)
			continue;
		if (d->proto != 0 && d->proto != sa->proto)
			continue;
		if (sa->add_gen > d->snap_gen ||
		    (sa->del_gen != 0 && sa->del_gen <= d->snap_gen))
			continue;
		if (d->pos != NULL && d->pos->add_gen >= sa->add_gen)
			continue;	/* already passed */
		return 1;
	}
	return 0;
}

void
sad_zombie_reap(struct sad *sad)
{
	struct sa *sa, *next;

	for (sa = TAILQ_FIRST(&sad->zombies); sa != NULL; sa = next) {
		next = TAILQ_NEXT(sa, tmo_link);
		if (sa->refcnt == 0 && !sad_dump_needs(sad, sa))
			sad_zombie_retire(sad, sa);
	}
}

void
sad_sa_unref(struct sad *sad, struct sa *sa)
{
	RTE_VERIFY(sa->refcnt > 0);
	if (--sa->refcnt == 0 && sa->zombie && !sad_dump_needs(sad, sa))
		sad_zombie_retire(sad, sa);
}

static int
in_snapshot(const struct sad_dump *d, const struct sa *sa)
{
	if (d->proto != 0 && d->proto != sa->proto)
		return 0;
	return sa->del_gen == 0 || sa->del_gen > d->snap_gen;
}

struct sad_dump *
sad_dump_start(struct sad *sad, uint8_t proto)
{
	struct sad_dump *d;
	struct sa *sa;

	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	d->sad = sad;
	d->proto = proto;
	d->snap_gen = sad->gen;
	if (proto == 0) {
		d->count = sad->n_sa;
	} else {
		TAILQ_FOREACH(sa, &sad->all, all_link)
			if (!sa->zombie && sa->proto == proto &&
			    sa_state(sa) != SA_DEAD)
				d->count++;
	}
	TAILQ_INSERT_TAIL(&sad->dumps, d, link);
	sad->n_dumps++;
	return d;
}

uint32_t
sad_dump_count(const struct sad_dump *d)
{
	return d->count;
}

struct sa *
sad_dump_next(struct sad_dump *d)
{
	struct sad *sad = d->sad;
	struct sa *sa, *old = d->pos;

	if (d->done)
		return NULL;
	sa = old != NULL ? TAILQ_NEXT(old, all_link) : TAILQ_FIRST(&sad->all);
	for (; sa != NULL; sa = TAILQ_NEXT(sa, all_link)) {
		if (sa->add_gen > d->snap_gen) {
			sa = NULL;	/* added after the start: end */
			break;
		}
		if (in_snapshot(d, sa))
			break;
	}
	if (sa != NULL) {
		sa->refcnt++;
		d->pos = sa;
		d->emitted++;
	} else {
		d->pos = NULL;
		d->done = 1;
	}
	if (old != NULL)
		sad_sa_unref(sad, old);
	return sa;
}

void
sad_dump_end(struct sad_dump *d)
{
	struct sad *sad = d->sad;
	struct sa *old = d->pos;

	d->done = 1;
	d->pos = NULL;
	TAILQ_REMOVE(&sad->dumps, d, link);
	sad->n_dumps--;
	if (old != NULL)
		sad_sa_unref(sad, old);
	sad_zombie_reap(sad);
	free(d);
}
