/* SPDX-License-Identifier: ISC */
/*
 * The PAD's Name policies (RFC 4301 §4.4.1.1, §4.4.3): a PAD entry with
 * spd_by_name = yes puts its identity pattern into the kernel's SPD as
 * the Name selector of an inbound PROTECT policy over its local_ts, so
 * that what arrives there is admitted only from SAs whose peer identity
 * (pushed as IDENTITY_SRC by child_sa.c) matches.  See pad_spd.c.
 */
#ifndef _KEYD_PAD_SPD_H
#define _KEYD_PAD_SPD_H

#include "config.h"
#include "kern.h"

/*
 * Install (del 0) or remove (del 1) every Name policy of cfg; 0, or -1
 * if the kernel refused one (logged; the others are still tried).
 */
int	pad_spd(struct kern *, const struct keyd_config *, int del);

#endif /* _KEYD_PAD_SPD_H */
