// SPDX-License-Identifier: ISC
/*
 * The PAD's Name policies in the kernel (pad_spd.h).
 *
 * RFC 4301 lets a PAD entry say that its peers' SPD entries are found by
 * name (§4.4.3.1) because their addresses are not known in advance.  Our
 * kernel does the equivalent at the packet: a Name selector on an inbound
 * policy is checked against the identity of the SA each packet came out
 * of (kmod/name_check.c).  So for each spd_by_name entry keyd installs,
 * once and for all peers:
 *
 *	in: any -> local_ts, ESP transport, level require, reqid 0,
 *	    Name = the entry's pattern, priority KERN_PRIO_NAME
 *
 * Ahead of every child's policies (KERN_PRIO_CHILD), it covers the port
 * for everyone: a peer whose identity does not match is dropped
 * (InNameMismatch) even though it holds a valid SA, and plaintext is
 * dropped because the policy wants ESP.  Children's own policies still
 * carry the rest of each peer's traffic, and the replies.
 *
 * `dynamic` in local_ts means this host: in the IN direction the kernel
 * only ever looks up packets addressed to it, so that is "any
 * destination", once per address family.
 */
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "log.h"
#include "pad.h"
#include "pad_spd.h"

static int
install(struct kern *k, const struct config_pad *p, const struct config_ts *t,
    int family, const char *name, uint8_t type, int del)
{
	struct kern_pol pol;

	memset(&pol, 0, sizeof(pol));
	pol.dir_out = 0;
	pol.src.ss_family = family;
	pol.splen = 0;
	pol.dst.ss_family = family;
	if (!t->dynamic && t->addr.family != AF_UNSPEC &&
	    cv_addr_prefix(&t->addr, &pol.dst, &pol.dplen) < 0)
		return (-1);	/* config_sec.c refused it */
	pol.proto = t->proto;
	if (t->port_lo == t->port_hi)
		pol.dport = t->port_lo;
	pol.priority = KERN_PRIO_NAME;
	pol.name = name;
	pol.name_type = type;
	if (k->ops->spd(k->arg, &pol, del) < 0 && !del) {
		log_warn("pad %s: kernel refused the Name policy for %s", p->name,
		    name);
		return (-1);
	}
	return (0);
}

int
pad_spd(struct kern *k, const struct keyd_config *cfg, int del)
{
	static const int fam[] = { AF_INET, AF_INET6 };
	char name[NAME_SEL_MAX + 1];
	uint8_t type;
	int i, j, f, err = 0;

	for (i = 0; i < cfg->npad; i++) {
		const struct config_pad *p = &cfg->pad[i];

		if (!p->spd_by_name ||
		    idpat_name(&p->idpat, name, sizeof(name), &type) < 0)
			continue;	/* config_sec.c refused the latter */
		for (j = 0; j < p->nlocal_ts; j++) {
			const struct config_ts *t = &p->local_ts[j];

			for (f = 0; f < 2; f++) {
				if (!t->dynamic && t->addr.family != AF_UNSPEC &&
				    t->addr.family != fam[f])
					continue;
				if (install(k, p, t, fam[f], name, type, del) < 0)
					err = -1;
			}
		}
		if (!del)
			log_info("pad %s: Name policies for %s installed",
			    p->name, name);
	}
	return (err);
}
