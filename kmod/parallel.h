/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_PARALLEL_H
#define _NFIPSEC_PARALLEL_H

struct crypto_aead;

struct crypto_aead *nfipsec_aead_alloc(const char *name);

#endif /* _NFIPSEC_PARALLEL_H */
