// SPDX-License-Identifier: GPL-2.0
/*
 * One SA's crypto on every CPU, in order: the kernel's pcrypt template
 * around the SA's AEAD, when the module parameter parallel=1 asks for it
 * (Documentation/performance.md, "One SA on several CPUs").
 *
 * pcrypt (crypto/pcrypt.c, on padata) hands each request to the CPUs of
 * its instance in turn and completes the requests in the order they were
 * submitted, so one SA's packets are encrypted on several CPUs at once and
 * still leave, and are decrypted and delivered, in sequence. The
 * transform is asynchronous; esp.c's completion path (the packet is stolen
 * at the hook and reinjected from the callback) carries it. When padata is
 * saturated pcrypt runs the request in the caller, as it would serially.
 *
 * The parameter applies to SAs made after it is set. Per-CPU SAs (RFC
 * 9611) would need the peer's cooperation and an SA per CPU; this needs
 * neither. Note the crypto API's rule that the pcrypt instance, once
 * made, is registered under the inner algorithm's name with a higher
 * priority: later plain allocations of that name, XFRM's included, get it
 * too, as they would after `crconf add`.
 */
#include <crypto/aead.h>
#include <linux/module.h>

#include "parallel.h"

static bool parallel;
module_param(parallel, bool, 0644);
MODULE_PARM_DESC(parallel,
		 "spread each new SA's crypto over all CPUs with pcrypt, in order (default off)");

struct crypto_aead *nfipsec_aead_alloc(const char *name)
{
	char pname[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead;

	if (READ_ONCE(parallel) &&
	    snprintf(pname, sizeof(pname), "pcrypt(%s)", name) < sizeof(pname)) {
		aead = crypto_alloc_aead(pname, 0, 0);
		if (!IS_ERR(aead))
			return aead;
		pr_warn_ratelimited("no %s (%ld): this SA's crypto stays serial\n",
				    pname, PTR_ERR(aead));
	}
	return crypto_alloc_aead(name, 0, 0);
}
