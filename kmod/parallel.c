// SPDX-License-Identifier: GPL-2.0
/*
 * One SA's crypto on every CPU, in order: the kernel's pcrypt template
 * around the SA's AEAD, when the module parameter parallel=1 asks for it
 * (Documentation/performance.md, "One SA on two CPUs").
 *
 * pcrypt (crypto/pcrypt.c, on padata) hands each request to the CPUs of
 * its instance in turn and completes the requests in the order they were
 * submitted, so one SA's packets are encrypted on several CPUs at once and
 * still leave, and are decrypted and delivered, in sequence. The
 * transform is asynchronous; esp.c's completion path (the packet is stolen
 * at the hook and reinjected from the callback) carries it. When padata is
 * saturated pcrypt runs the request in the caller, as it would serially.
 *
 * A pcrypt instance registers under the name of what it wraps, with a
 * higher priority: once one exists, a lookup of "rfc4106(gcm(aes))" finds
 * it, and "pcrypt(rfc4106(gcm(aes)))" would wrap it again, one level more
 * per SA. So the instance is named by the driver it wraps
 * ("pcrypt(rfc4106-gcm-aesni)"), which a lookup matches exactly, and a
 * serial SA that is handed a pcrypt instance asks for the driver inside.
 * The parameter applies to SAs made after it is set.
 */
#include <crypto/aead.h>
#include <linux/module.h>
#include <linux/string.h>

#include "parallel.h"

static bool parallel;
module_param(parallel, bool, 0644);
MODULE_PARM_DESC(parallel,
		 "spread each new SA's crypto over all CPUs with pcrypt, in order (default off)");

#define PCRYPT	"pcrypt("

/* The best implementation of @name that is not pcrypt. */
static struct crypto_aead *aead_serial(const char *name)
{
	char inner[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead;
	const char *drv;
	size_t len;

	aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(aead))
		return aead;
	drv = crypto_tfm_alg_driver_name(crypto_aead_tfm(aead));
	len = strlen(drv);
	if (!strstarts(drv, PCRYPT) || len < sizeof(PCRYPT) ||
	    len - sizeof(PCRYPT) >= sizeof(inner))
		return aead;
	/* "pcrypt(X)" -> "X", a driver name: an exact match. */
	memcpy(inner, drv + strlen(PCRYPT), len - sizeof(PCRYPT));
	inner[len - sizeof(PCRYPT)] = '\0';
	crypto_free_aead(aead);
	return aead_serial(inner);
}

struct crypto_aead *nfipsec_aead_alloc(const char *name)
{
	char pname[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead, *par;

	aead = aead_serial(name);
	if (IS_ERR(aead) || !READ_ONCE(parallel))
		return aead;
	if (snprintf(pname, sizeof(pname), PCRYPT "%s)",
		     crypto_tfm_alg_driver_name(crypto_aead_tfm(aead))) >=
	    sizeof(pname))
		return aead;
	par = crypto_alloc_aead(pname, 0, 0);
	if (IS_ERR(par)) {
		pr_warn_ratelimited("no %s (%ld): this SA's crypto stays serial\n",
				    pname, PTR_ERR(par));
		return aead;
	}
	crypto_free_aead(aead);
	return par;
}
