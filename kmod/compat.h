/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference nfipsec cares about lives here. This file
 * is force-included (-include) into every object, so the rest of the code is
 * written against the newest API we support (6.12) and carries no version
 * checks of its own. The oldest kernel we build against is 6.1.
 */
#ifndef _NFIPSEC_COMPAT_H
#define _NFIPSEC_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "nfipsec needs Linux 6.1 or newer"
#endif

/*
 * 6.3 made crypto completion callbacks take the request's data directly;
 * before, they took the request. Callbacks are written as
 * done(NFIPSEC_CRYPTO_CB_ARG arg, int err) and read NFIPSEC_CRYPTO_CB_DATA(arg).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#include <linux/crypto.h>
#define NFIPSEC_CRYPTO_CB_ARG struct crypto_async_request *
#define NFIPSEC_CRYPTO_CB_DATA(arg) ((arg)->data)
#else
#define NFIPSEC_CRYPTO_CB_ARG void *
#define NFIPSEC_CRYPTO_CB_DATA(arg) (arg)
#endif

/* get_random_u32_below() arrived in 6.2; 6.1 has prandom_u32_max(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#include <linux/random.h>
#define get_random_u32_below(ceil) prandom_u32_max(ceil)
#endif

/* 6.4 moved skb_gso_segment() from netdevice.h to net/gso.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <net/gso.h>
#endif

/*
 * crypto_has_aead() is not in 6.1 (6.12 has it; we believe it came with
 * crypto_type_has_alg() in 6.3). The generic lookup does the same job.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#include <linux/crypto.h>
static inline int crypto_has_aead(const char *alg_name, u32 type, u32 mask)
{
	return crypto_has_alg(alg_name,
			      (type & ~CRYPTO_ALG_TYPE_MASK) | CRYPTO_ALG_TYPE_AEAD,
			      mask | CRYPTO_ALG_TYPE_MASK);
}
#endif

#endif /* _NFIPSEC_COMPAT_H */
