/* SPDX-License-Identifier: ISC */
/*
 * keyd, the daemon: the state every exchange file shares.
 *
 * One struct keyd holds everything (no globals), so unit tests can run two
 * daemons in one process, wired to each other through `send` and to fake
 * kernels through `kern` (kern.h).  The event loop (loop.c) owns the
 * sockets; the exchanges only see keyd_send() and the SA tables.
 *
 *   ikev2_msg.c     framing, SK, message IDs, retransmission, dispatch
 *   ike_sa.c        the IKE SA table, lifetimes, timers
 *   ike_sa_init.c   IKE_SA_INIT (both roles), COOKIE, INVALID_KE
 *   ike_auth.c      IKE_AUTH, PSK AUTH, the first Child SA
 *   child_sa.c      Child SA keys, traffic selectors, install/remove
 *   informational.c Delete, liveness, error notifies
 *   proposal.c      proposals: ours from config, choosing the peer's
 *   natt.c          NAT-T: NAT-D, the float to 4500, keepalives, mappings
 */
#ifndef _KEYD_KEYD_H
#define _KEYD_KEYD_H

#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "ikev2_pld.h"
#include "ikev2_bld.h"
#include "kern.h"

enum {
	KEYD_NONCE_LEN		= 32,
	KEYD_RTX_FIRST_MS	= 1000,	/* first retransmission timeout */
	KEYD_RTX_TRIES		= 6,	/* 1+2+4+8+16+32 s, then give up */
	KEYD_HALF_OPEN_MAX	= 32,	/* cookies above this many (§2.6) */
	KEYD_INIT_TIMEOUT_S	= 60,	/* a half-open SA dies after this */
};

/* What a message came with or goes out with. */
struct keyd_addr {
	struct sockaddr_storage	local, remote;	/* ports included */
};

struct child_sa {
	struct child_sa		*next;
	char			 name[CONFIG_NAME_MAX];	/* config child */
	uint32_t		 spi_in;	/* ours, from GETSPI */
	uint32_t		 spi_out;	/* the peer's */
	uint32_t		 reqid;
	uint32_t		 getspi_seq;	/* names the larval SA */
	int			 tunnel;
	int			 installed;
	/* We sent the request that made this pair: KEYMAT's first keys are
	 * then our outbound ones (§2.17).  Not sa->initiator: either side
	 * may start a CREATE_CHILD_SA. */
	int			 exch_init;
	/* The peer's IKE address and port when the SAs went in: where they
	 * are deleted, and whether a NAT mapping changed since (natt.c). */
	struct sockaddr_storage	 remote;
	struct config_proposal	 esp;		/* what was chosen */
	struct ikev2_tss_p	 ts_local, ts_remote;	/* as negotiated */
	uint64_t		 established;	/* ms */
	uint64_t		 rekey_at;	/* ms; 0 = never */
	int			 rekeying;	/* a rekey is in flight */
	int			 closing;	/* our Delete for it is out */
	/* A rekey we answered: the outbound SA waits for the old one's
	 * Delete (child_sa_install); out_pending is its deadline, ms.
	 * out_dropped: a redundant pair's, never to be installed. */
	int			 defer_out;
	int			 out_dropped;
	uint64_t		 out_pending;
	struct kern_sa		 out_sa;
	uint8_t			 out_ekey[CRYPTO_ENCR_KEY_MAX];
	uint8_t			 out_akey[CRYPTO_INTEG_KEY_MAX];
	/* A rekey's result: the predecessor's spi_in, and the lowest nonce
	 * of the exchange that made it, for §2.8.1's tie-break. */
	uint32_t		 rekey_of;
	uint8_t			 nonce_low[IKEV2_NONCE_MAX];
	size_t			 nonce_lowlen;
};

enum ike_state {
	IKE_INIT_SENT,		/* initiator: waiting for IKE_SA_INIT's reply */
	IKE_AUTH_SENT,		/* initiator: waiting for IKE_AUTH's reply */
	IKE_INIT_DONE,		/* responder: keys made, waiting for IKE_AUTH */
	IKE_ESTABLISHED,
	IKE_DELETING,		/* our Delete is in flight */
	IKE_DEAD,		/* reaped by the next timer pass */
};

/* An exchange we started and the peer has not answered yet (window 1). */
struct ike_req {
	struct buf		 msg;		/* as sent, for retransmission */
	uint32_t		 msgid;
	uint8_t			 exchange;
	int			 tries;
	uint64_t		 next_ms;	/* next retransmission */
	int			 active;
	int			 kind;		/* REQ_* in informational.c */
	struct child_sa		*child;		/* CREATE_CHILD_SA's new child */
	uint32_t		 rekey_spi;	/* its predecessor's spi_in */
	struct ike_sa		*rekey_sa;	/* REQ_IKE_REKEY: the new SA */
	struct crypto_dh	*dh;		/* PFS / IKE rekey KE */
	uint8_t			 nonce[KEYD_NONCE_LEN];
};

struct ike_sa {
	struct ike_sa		*next;
	uint8_t			 ispi[IKEV2_SPI_SIZE], rspi[IKEV2_SPI_SIZE];
	int			 initiator;	/* we are the original initiator */
	enum ike_state		 state;
	char			 conn[CONFIG_NAME_MAX];
	struct keyd_addr	 addr;

	/* IKE_SA_INIT */
	struct crypto_dh	*dh;
	struct config_proposal	 prop;		/* chosen */
	uint8_t			 ni[IKEV2_NONCE_MAX], nr[IKEV2_NONCE_MAX];
	size_t			 nilen, nrlen;
	struct buf		 init_req, init_resp;	/* for AUTH */
	uint8_t			 cookie[IKEV2_COOKIE_MAX];
	size_t			 cookielen;
	struct ike_keys		 keys;
	int			 keyed;

	/* message IDs (§2.3, window 1) */
	uint32_t		 msgid_next;	/* our next request */
	uint32_t		 msgid_peer;	/* the peer's next request */
	struct ike_req		 req;
	struct buf		 last_resp;	/* our answer to msgid_peer - 1 */
	int			 have_resp;

	/* the peer, once authenticated */
	struct config_id	 peer_id;
	struct child_sa		*children;
	char			 first_child[CONFIG_NAME_MAX];	/* initiator */
	uint32_t		 acquire_seq;	/* ACQUIRE that started us */

	uint64_t		 created, established;	/* ms */
	uint64_t		 last_heard;	/* ms, for DPD */
	uint64_t		 rekey_at;	/* ms; 0 = never */
	/* §2.8.2: the peer rekeyed this SA while our own rekey of it was
	 * out; our SPI (rspi) of the SA it made.  Our answer decides which
	 * new SA takes the children (ike_rekey.c). */
	int			 rekey_collided;
	uint8_t			 rekey_peer[IKEV2_SPI_SIZE];

	/* NAT-T (natt.c): NAT_HERE | NAT_THERE from NAT-D, §2.23 */
	int			 nat;
	uint64_t		 keepalive_at;	/* ms; next 0xff to send */
};

enum { NAT_HERE = 1, NAT_THERE = 2 };	/* we are / the peer is behind one */

struct keyd {
	struct keyd_config	*cfg;
	struct kern		*kern;
	/* Sends one datagram; loop.c's writes to the UDP sockets. */
	int			(*send)(struct keyd *, const struct keyd_addr *,
				    const uint8_t *, size_t);
	void			*send_arg;
	/* Sends a NAT keepalive (the one octet 0xff, RFC 3948 §2.3) from
	 * our 4500 socket; NULL: none (unit tests count them). */
	int			(*keepalive)(struct keyd *,
				    const struct keyd_addr *);
	/* A trap child's policies back once its SAs are gone (loop.c). */
	void			(*trap_restore)(struct keyd *, const char *conn,
				    const char *child);
	struct ike_sa		*sas;
	unsigned		 half_open;
	uint8_t			 cookie_secret[32];
	uint32_t		 reqid_next;
	uint64_t		 now;		/* ms, monotonic, set by the loop */
	int			 cookie_threshold;	/* KEYD_HALF_OPEN_MAX */
	const char		*name;		/* log prefix (tests run two) */
};

/* loop.c */
uint64_t	keyd_now_ms(void);

/* ikev2_msg.c */
void	keyd_recv(struct keyd *, const struct keyd_addr *, uint8_t *, size_t);
int	ikev2_msg_request(struct keyd *, struct ike_sa *, struct buf *);
int	ikev2_msg_response(struct keyd *, struct ike_sa *, struct buf *);
/* Seal the SK plaintext `inner` (first payload type `first`) into a new
 * message of `exchange`; request or response by `response`. */
int	ikev2_msg_sk(struct ike_sa *, struct buf *out, uint8_t exchange,
	    int response, uint32_t msgid, struct buf *inner, uint8_t first);
void	ikev2_msg_timers(struct keyd *, struct ike_sa *);
/* An unauthenticated error answer outside any SA (§2.21.1). */
void	ikev2_msg_notify_plain(struct keyd *, const struct keyd_addr *,
	    const struct ikev2_msg_p *, uint16_t type, const uint8_t *,
	    size_t);

/* ike_sa.c */
struct ike_sa	*ike_sa_new(struct keyd *, int initiator);
struct ike_sa	*ike_sa_find(struct keyd *, const uint8_t *ispi,
		    const uint8_t *rspi, int response);
struct ike_sa	*ike_sa_find_half(struct keyd *, const uint8_t *ispi,
		    const struct sockaddr_storage *remote);
void		 ike_sa_dead(struct keyd *, struct ike_sa *, const char *why);
void		 ike_sa_reap(struct keyd *);
void		 ike_sa_established(struct keyd *, struct ike_sa *);
uint64_t	 ike_sa_timers(struct keyd *);	/* next deadline, ms */
const struct config_conn *ike_sa_conn(struct keyd *, const struct ike_sa *);
const char	*ike_state_name(enum ike_state);

/* ike_sa_init.c */
int	ike_sa_init_start(struct keyd *, const char *conn, const char *child,
	    const struct sockaddr_storage *local,
	    const struct sockaddr_storage *remote, uint32_t acquire_seq);
void	ike_sa_init_request(struct keyd *, const struct keyd_addr *,
	    const struct ikev2_msg_p *, const uint8_t *, size_t);
void	ike_sa_init_response(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *, const uint8_t *, size_t);

/* ike_auth.c */
int	ike_auth_send(struct keyd *, struct ike_sa *);
void	ike_auth_request(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *);
void	ike_auth_response(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *);

/* child_sa.c */
struct child_sa *child_sa_new(struct keyd *, struct ike_sa *, const char *name);
/* Our inbound SPI (a larval SA; an ACQUIRE's if one started the SA). */
int	child_sa_getspi(struct keyd *, struct ike_sa *, struct child_sa *);
void	child_sa_free(struct keyd *, struct ike_sa *, struct child_sa *, int del);
int	child_sa_local_ts(const struct ike_sa *, const struct config_child *,
	    int local, struct ikev2_tss_p *);
int	child_sa_narrow(const struct ike_sa *, const struct config_child *,
	    const struct ikev2_tss_p *tsi, const struct ikev2_tss_p *tsr,
	    struct ikev2_tss_p *outi, struct ikev2_tss_p *outr);
int	child_sa_install(struct keyd *, struct ike_sa *, struct child_sa *,
	    const uint8_t *gir, size_t girlen, const uint8_t *ni,
	    size_t nilen, const uint8_t *nr, size_t nrlen);
const struct config_child *child_sa_conf(const struct config_conn *,
	    const char *name);
struct child_sa *child_sa_by_spi(struct ike_sa *, uint32_t spi, int in);
void	child_sa_out_now(struct keyd *, struct ike_sa *, struct child_sa *);
/* The child's policy pairs: SPDUPDATE, or delete. */
int	child_sa_policies(struct keyd *, struct ike_sa *, struct child_sa *,
	    int del);
/*
 * Responder: pick a configured child for the request's SA/TS (and KE),
 * install it and add SA, [KE], TS to bld, or add the error notify.
 * ni/nr: the nonces KEYMAT takes; dh: ours when the request had KE.
 */
void	child_sa_answer(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *, struct ikev2_bld *,
	    struct child_sa *old, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen);
void	child_sa_request(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *);
void	child_sa_response(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *);
int	child_sa_rekey(struct keyd *, struct ike_sa *, struct child_sa *);
int	child_sa_ts_within(const struct ikev2_tss_p *got,
	    const struct ikev2_tss_p *offered);
/* Nonces as §2.8.1 orders them: <0, 0, >0 as a is lower, equal, higher. */
int	child_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
	    size_t blen);
/* A redundant pair's held-back outbound SA: never installed. */
void	child_sa_out_drop(struct child_sa *);
/* CREATE_CHILD_SA's KE payload, for child (PFS) and IKE SA rekeys alike. */
int	child_ke_secret(struct crypto_dh *, const struct ikev2_ke_p *,
	    uint8_t *gir, size_t *len);
void	child_ke_add(struct ikev2_bld *, struct crypto_dh *);

/* ike_rekey.c */
int	ike_rekey_start(struct keyd *, struct ike_sa *);
void	ike_rekey_answer(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *, struct ikev2_bld *);
void	ike_rekey_response(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *);
/* The SA the peer made by rekeying sa while we did too (§2.8.2), or NULL. */
struct ike_sa *ike_rekey_collided(struct keyd *, struct ike_sa *);

/* natt.c */
/* Our NAT_DETECTION_SOURCE_IP / _DESTINATION_IP notifies. */
void	natt_notifies(struct keyd *, const struct ike_sa *,
	    struct ikev2_bld *);
/* The peer's NAT-D against what we see: sets sa->nat; 0 none, else flags. */
int	natt_detect(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *);
/* Initiator: after IKE_SA_INIT, move to port 4500 if there is a NAT. */
void	natt_float(struct keyd *, struct ike_sa *);
/* A child's SAs in UDP, if this IKE SA needs it. */
void	natt_sa(const struct ike_sa *, struct kern_sa *in,
	    struct kern_sa *out);
/* An authenticated message or packet came from `remote` (§2.23). */
void	natt_peer_moved(struct keyd *, struct ike_sa *,
	    const struct sockaddr_storage *remote, const char *how);
/* Keepalives; the next deadline, or 0. */
uint64_t natt_timers(struct keyd *, struct ike_sa *);

/* informational.c */
enum { REQ_NONE, REQ_DELETE_IKE, REQ_DELETE_CHILD, REQ_DPD, REQ_CHILD,
       REQ_IKE_REKEY };
void	informational_request(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *);
void	informational_response(struct keyd *, struct ike_sa *,
	    const struct ikev2_msg_p *);
int	informational_delete_ike(struct keyd *, struct ike_sa *);
/* Delete payload for our inbound SPI of a child (§1.4.1). */
int	informational_delete_child(struct keyd *, struct ike_sa *,
	    uint32_t spi_in);
int	informational_dpd(struct keyd *, struct ike_sa *);
/* An error notify in an INFORMATIONAL request of its own (§2.21.2). */
int	informational_error(struct keyd *, struct ike_sa *, uint16_t type);

/* proposal.c */
void	proposal_ike_offer(const struct config_conn *, uint16_t first_group,
	    struct ikev2_sa_p *);
void	proposal_esp_offer(const struct config_child *, uint32_t spi,
	    int pfs, struct ikev2_sa_p *);
/* 0 and *out filled, or -1: nothing acceptable (NO_PROPOSAL_CHOSEN). */
int	proposal_choose(const struct config_proposal *ours, int nours,
	    const struct ikev2_sa_p *theirs, uint8_t proto,
	    uint16_t prefer_group, struct config_proposal *out, uint8_t *num,
	    uint64_t *spi);
/* The one-proposal answer for a choice. */
void	proposal_answer(const struct config_proposal *, uint8_t proto,
	    uint8_t num, uint64_t spi, struct ikev2_sa_p *);
/* Is `group` in any of our proposals? */
int	proposal_has_group(const struct config_proposal *, int n, uint16_t);

#endif /* _KEYD_KEYD_H */
