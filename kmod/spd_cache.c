// SPDX-License-Identifier: GPL-2.0
/*
 * The SPD caches of RFC 4301 §4.4.1 (outbound SPD-S/SPD-O, inbound SPD-I):
 * flow -> decision, so a packet of a known flow skips the classifier.
 *
 * One direct-mapped table per CPU, so the packet path never shares a
 * cache line with another CPU and never locks; softirqs are held off
 * around a slot access so a packet interrupting a process-context lookup
 * on the same CPU cannot see a half-written slot. Every entry is tagged
 * with the nfipsec_spd.change_seq it was computed under: any change to
 * the SPD bumps that number, so an entry from before the change is a miss
 * and is never used, and nothing has to walk the tables to flush them.
 * Because of that tag, a stale entry's policy pointer is never read.
 */
#include <linux/bottom_half.h>
#include <linux/jhash.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/socket.h>

#include "spd_int.h"

#define CACHE_BITS	9
#define CACHE_SLOTS	BIT(CACHE_BITS)

/* A flow, normalised: an IPv4 address uses only word 0, the rest is 0. */
struct cache_key {
	__be32 local[4], remote[4];
	u16 lport, rport;
	u8 family, proto, flags, dir;
};

struct cache_slot {
	struct cache_key key;
	struct nfipsec_policy *pol;	/* NULL: no policy matched */
	u32 seq;
	bool used;
};

struct nfipsec_spd_cache {
	struct cache_slot __percpu *slots;	/* CACHE_SLOTS per CPU */
	u32 seed;	/* random: a sender cannot aim flows at one slot */
};

static void make_key(struct cache_key *k, u8 dir,
		     const struct nfipsec_flow *fl)
{
	unsigned int words = fl->family == AF_INET6 ? 4 : 1, i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < words; i++) {
		k->local[i] = fl->local.ip6[i];
		k->remote[i] = fl->remote.ip6[i];
	}
	k->family = fl->family;
	k->proto = fl->proto;
	k->flags = fl->flags & NFIPSEC_FLOW_PORTS_OPAQUE;
	if (!k->flags) {
		k->lport = fl->lport;
		k->rport = fl->rport;
	}
	k->dir = dir;
}

static struct cache_slot *slot_of(struct nfipsec_spd_cache *c,
				  const struct cache_key *k)
{
	u32 h = jhash2((const u32 *)k, sizeof(*k) / sizeof(u32), c->seed);

	return this_cpu_ptr(c->slots) + (h & (CACHE_SLOTS - 1));
}

bool nfipsec_spd_cache_get(struct nfipsec_spd_cache *c, u8 dir,
			   const struct nfipsec_flow *fl, u32 seq,
			   struct nfipsec_policy **pol)
{
	struct cache_slot *s;
	struct cache_key k;
	bool hit;

	make_key(&k, dir, fl);
	local_bh_disable();
	s = slot_of(c, &k);
	hit = s->used && s->seq == seq && !memcmp(&s->key, &k, sizeof(k));
	if (hit)
		*pol = s->pol;
	local_bh_enable();
	return hit;
}

void nfipsec_spd_cache_put(struct nfipsec_spd_cache *c, u8 dir,
			   const struct nfipsec_flow *fl, u32 seq,
			   struct nfipsec_policy *pol)
{
	struct cache_slot *s;
	struct cache_key k;

	make_key(&k, dir, fl);
	local_bh_disable();
	s = slot_of(c, &k);
	s->key = k;
	s->pol = pol;
	s->seq = seq;
	s->used = true;
	local_bh_enable();
}

struct nfipsec_spd_cache *nfipsec_spd_cache_alloc(void)
{
	struct nfipsec_spd_cache *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->seed = get_random_u32();
	c->slots = __alloc_percpu(CACHE_SLOTS * sizeof(struct cache_slot),
				  __alignof__(struct cache_slot));
	if (!c->slots) {
		kfree(c);
		return NULL;
	}
	return c;
}

void nfipsec_spd_cache_free(struct nfipsec_spd_cache *c)
{
	if (!c)
		return;
	free_percpu(c->slots);
	kfree(c);
}
