/* SPDX-License-Identifier: ISC */
/*
 * keyd configuration: what config.c parses from keyd.conf and the daemon
 * consumes.  This header is the contract between the parser (config.c,
 * pad.c, id.c) and the exchanges; the daemon never reads the file itself.
 *
 * The file is swanctl-like: nested `name { key = value }` sections under
 * `connections`, `secrets` and `pad`.  config_load() reports the first
 * error as "FILE:LINE: message"; `keyd --check` runs only that.
 *
 * Everything in a struct keyd_config is owned by it and released by
 * config_free(), which wipes secrets.  Reloading builds a new config and
 * swaps it in; IKE SAs keep a reference to the connection they came from
 * by name, not by pointer, so a reload never leaves one dangling.
 */
#ifndef _KEYD_CONFIG_H
#define _KEYD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "ikev2.h"

enum {
	CONFIG_NAME_MAX		= 64,
	CONFIG_ID_MAX		= 256,
	CONFIG_PROPOSALS_MAX	= 8,
	CONFIG_TS_MAX		= 8,
	CONFIG_ADDRS_MAX	= 8,
};

/* An address, a prefix or a range: remote_addrs and PAD address patterns. */
struct config_addr {
	int			family;		/* AF_INET, AF_INET6, or AF_UNSPEC for %any */
	struct sockaddr_storage	lo, hi;		/* inclusive range; lo == hi for one host */
};

/* One IKE or ESP proposal: IKEv2 transform IDs (ikev2.h); 0 = absent. */
struct config_proposal {
	uint16_t		encr;
	uint16_t		encr_keylen;	/* bits; 0 if the transform has none */
	uint16_t		prf;		/* IKE only */
	uint16_t		integ;		/* 0 for AEAD */
	uint16_t		dh[4];		/* preference order; ESP: PFS groups, 0 = none */
	int			ndh;
	int			esn;		/* ESP: 0 no, 1 yes, 2 either */
};

/*
 * An identity as IKEv2 carries it (§3.5): type + payload octets.  Type 0
 * is "not configured": a local end then sends its IKE address.
 */
struct config_id {
	uint8_t			type;		/* IKEV2_ID_*, 0 = unset */
	size_t			len;
	uint8_t			data[CONFIG_ID_MAX];	/* DN: DER */
};

/*
 * A peer identity pattern (RFC 4301 §4.4.3.1): exact, "*.example.com"
 * DNS subtree, "*@example.com" email domain, DN subtree (trailing RDNs),
 * or an address range for ID_IPV4/IPV6_ADDR.  pad.c matches them.
 */
enum config_idmatch {
	IDMATCH_ANY,
	IDMATCH_EXACT,
	IDMATCH_DNS_SUBTREE,
	IDMATCH_EMAIL_DOMAIN,
	IDMATCH_DN_SUBTREE,
	IDMATCH_ADDR_RANGE,
};

struct config_idpattern {
	enum config_idmatch	match;
	struct config_id	id;		/* the literal part (suffix, DN, ...) */
	struct config_addr	range;		/* IDMATCH_ADDR_RANGE */
};

enum config_auth {
	AUTH_PSK = 1,
	AUTH_PUBKEY,		/* RSA or ECDSA from the key; RFC 7427 when the peer signals it */
};

/* One side of a connection. */
struct config_end {
	enum config_auth	auth;
	struct config_id	id;		/* local: what we send */
	struct config_idpattern	idpat;		/* remote: whom we accept */
	char			cert[256];	/* local: PEM path ("" = none) */
	char			cacerts[256];	/* remote: PEM CA bundle path */
	int			send_certreq;
};

/* A traffic selector as configured: range of addresses, protocol, ports. */
struct config_ts {
	struct config_addr	addr;
	uint8_t			proto;		/* 0 = any */
	uint16_t		port_lo, port_hi;	/* ICMP: type << 8 | code */
	int			dynamic;	/* "dynamic": the IKE address */
};

enum config_start {
	START_NONE,		/* wait for the peer */
	START_TRAP,		/* install policies; ACQUIRE initiates */
	START_START,		/* initiate at startup */
};

struct config_child {
	char			name[CONFIG_NAME_MAX];
	struct config_ts	local_ts[CONFIG_TS_MAX], remote_ts[CONFIG_TS_MAX];
	int			nlocal_ts, nremote_ts;
	int			mode_tunnel;	/* 1 tunnel, 0 transport */
	struct config_proposal	esp[CONFIG_PROPOSALS_MAX];
	int			nesp;
	enum config_start	start;
	uint32_t		replay_window;	/* packets */
	uint64_t		rekey_time, life_time;	/* seconds; soft, hard */
	uint64_t		rekey_bytes, life_bytes;
	uint64_t		rekey_packets, life_packets;
};

struct config_conn {
	char			name[CONFIG_NAME_MAX];
	struct config_addr	local_addrs[CONFIG_ADDRS_MAX], remote_addrs[CONFIG_ADDRS_MAX];
	int			nlocal_addrs, nremote_addrs;
	uint16_t		local_port, remote_port;	/* default 500 */
	struct config_proposal	ike[CONFIG_PROPOSALS_MAX];
	int			nike;
	struct config_end	local, remote;
	struct config_child	*children;
	int			nchildren;
	uint64_t		rekey_time, over_time;	/* IKE SA, seconds; the hard
						   limit is rekey_time + over_time */
	uint32_t		dpd_delay;		/* seconds, 0 = off */
	int			encap;			/* force UDP encapsulation */
	int			natt;			/* NAT-D and the float, default on */
	uint32_t		keepalive;		/* NAT keepalive, s; 0 = off */
	int			mobike;			/* reserved */
};

struct config_secret {
	char			name[CONFIG_NAME_MAX];
	int			is_psk;		/* else a private key file */
	struct config_idpattern	ids[CONFIG_PROPOSALS_MAX];
	int			nids;
	uint8_t			*data;		/* PSK octets (wiped) */
	size_t			len;
	char			file[256];	/* private key PEM */
};

/* populate_from_packet bits (RFC 4301 §4.4.1.2 PFP flags). */
enum {
	PFP_LOCAL_ADDR		= 0x01,
	PFP_REMOTE_ADDR		= 0x02,
	PFP_PROTO		= 0x04,
	PFP_LOCAL_PORT		= 0x08,
	PFP_REMOTE_PORT		= 0x10,
	PFP_ALL			= 0x1f,
};

/*
 * A PAD entry (RFC 4301 §4.4.3): who may authenticate, how, and which
 * child SA traffic selectors that peer may ask for.  Connections imply
 * one entry each; `pad { }` sections add more (e.g. for responders
 * serving many peers under one pattern).
 */
struct config_pad {
	char			name[CONFIG_NAME_MAX];
	struct config_idpattern	idpat;
	enum config_auth	auth;
	char			cacerts[256];
	struct config_ts	ts[CONFIG_TS_MAX];	/* allowed remote TS; none = any */
	int			nts;
	int			populate_from_packet;	/* PFP_* bits */
	int			spd_by_name;		/* SPD lookup by IKE ID (Name) */
	/*
	 * spd_by_name: our selectors that only peers matching idpat may
	 * reach.  keyd installs them as inbound PROTECT policies carrying
	 * idpat as their Name selector (pad_spd.c); the kernel checks it
	 * against each SA's pushed identity.
	 */
	struct config_ts	local_ts[CONFIG_TS_MAX];
	int			nlocal_ts;
	/* SA mark on the inbound SAs of peers this entry matched; mask 0 = none */
	uint32_t		mark, mark_mask;
	char			conn[CONFIG_NAME_MAX];	/* implied by this connection;
						   "" for a `pad` section */
	struct config_addr	addrs[CONFIG_ADDRS_MAX];	/* peer's IKE address;
							   none = any */
	int			naddrs;
};

struct keyd_config {
	char			path[256];
	struct config_conn	*conns;
	int			nconns;
	struct config_secret	*secrets;
	int			nsecrets;
	struct config_pad	*pad;
	int			npad;
	char			ctl_socket[108];	/* default /run/keyd.ctl */
	int			log_level;	/* log.h: 0 warning, 1 info, 2 debug */
};

/*
 * 0, or -1 with "FILE:LINE: message" in err.  Relative file names in the
 * config (certs, cacerts, private keys) are taken from the config file's
 * directory and stored resolved.
 */
int	config_load(const char *path, struct keyd_config *, char *err, size_t errlen);
/* The same from text in memory (tests, fuzzer); path names it in errors. */
int	config_parse(const char *path, const char *text, size_t len,
	    struct keyd_config *, char *err, size_t errlen);
void	config_free(struct keyd_config *);
const struct config_conn *config_find_conn(const struct keyd_config *, const char *name);
const struct config_child *config_find_child(const struct config_conn *,
	    const char *name);
/*
 * The PSK for an IKE SA between local and remote (either may be NULL):
 * a secret listing an id pattern that matches both beats one that matches
 * one of them, which beats one with no ids at all (strongSwan's rule).
 * NULL if none.
 */
const struct config_secret *config_find_psk(const struct keyd_config *,
	    const struct config_id *local, const struct config_id *remote);

#endif /* _KEYD_CONFIG_H */
