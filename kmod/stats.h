/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-namespace counters. One per drop reason, so that every packet nfipsec
 * refuses is accounted for under exactly one name in /proc/net/nfipsec_stat.
 * Counters are per CPU: the fast path only does this_cpu_inc().
 */
#ifndef _NFIPSEC_STATS_H
#define _NFIPSEC_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

/* X(enum suffix, name shown in /proc) */
#define NFIPSEC_STATS(X)						\
	X(IN_PACKETS,		"InPackets")				\
	X(IN_BYTES,		"InBytes")				\
	X(OUT_PACKETS,		"OutPackets")				\
	X(OUT_BYTES,		"OutBytes")				\
	X(IN_BYPASS,		"InBypass")				\
	X(OUT_BYPASS,		"OutBypass")				\
	X(IN_ERROR,		"InError")				\
	X(IN_HDR_ERROR,		"InHdrError")				\
	X(IN_NO_SA,		"InNoStates")				\
	X(IN_SA_PROTO_ERROR,	"InStateProtoError")			\
	X(IN_SA_MODE_ERROR,	"InStateModeError")			\
	X(IN_REPLAY,		"InStateSeqError")			\
	X(IN_SA_EXPIRED,	"InStateExpired")			\
	X(IN_ICV_FAIL,		"InIcvError")				\
	X(IN_BAD_PADDING,	"InBadPadding")				\
	X(IN_DUMMY,		"InDummyDiscard")			\
	X(IN_SEL_MISMATCH,	"InSelectorMismatch")			\
	X(IN_POL_DISCARD,	"InPolBlock")				\
	X(IN_POL_ERROR,		"InPolError")				\
	X(IN_NO_POL,		"InNoPols")				\
	X(IN_IPSEC_NO_POL,	"InIpsecNoPolicy")			\
	X(IN_TMPL_MISMATCH,	"InTmplMismatch")			\
	X(IN_NOMEM,		"InNoMem")				\
	X(OUT_ERROR,		"OutError")				\
	X(OUT_NO_SA,		"OutNoStates")				\
	X(OUT_ACQUIRE_QUEUED,	"OutAcquireQueued")			\
	X(OUT_ACQUIRE_DROP,	"OutAcquireDrop")			\
	X(OUT_POL_DISCARD,	"OutPolBlock")				\
	X(OUT_SEQ_OVERFLOW,	"OutStateSeqError")			\
	X(OUT_SA_EXPIRED,	"OutStateExpired")			\
	X(OUT_NO_ROUTE,		"OutNoRoute")				\
	X(OUT_NOMEM,		"OutNoMem")				\
	X(OUT_TOO_BIG,		"OutTooBig")				\
	X(CRYPTO_ASYNC,		"CryptoAsync")				\
	X(CRYPTO_ERROR,		"CryptoError")				\
	X(PFKEY_BAD_MSG,	"PfkeyBadMessage")			\
	X(PFKEY_ENOBUFS,	"PfkeyEnobufs")

enum nfipsec_stat_id {
#define NFIPSEC_STAT_ENUM(id, name) NFIPSEC_STAT_##id,
	NFIPSEC_STATS(NFIPSEC_STAT_ENUM)
#undef NFIPSEC_STAT_ENUM
	NFIPSEC_STAT_MAX
};

struct nfipsec_stats {
	u64 v[NFIPSEC_STAT_MAX];
};

struct net;

int nfipsec_stats_net_init(struct net *net);
void nfipsec_stats_net_exit(struct net *net);

#endif /* _NFIPSEC_STATS_H */
