/*
 * setkey: a KAME/ipsec-tools compatible front end to PF_KEYv2.
 *
 * The pieces, one concern each:
 *   setkey_lex.c     tokens of the command language, with line numbers
 *   setkey_parse.c   commands into struct sk_cmd (no kernel contact), with
 *                    setkey_parse_sa.c (the SA commands' arguments) and
 *                    setkey_parse_spd.c (the SPD commands'); their private
 *                    header is setkey_parse.h
 *   setkey_policy.c  the "-P dir ... ipsec esp/..." policy string
 *   setkey_alg.c     algorithm names, PF_KEY numbers and key sizes
 *   setkey_msg.c     struct sk_cmd into PF_KEY message bytes, and back
 *   setkey_io.c      the PF_KEY socket: send, match replies, dumps
 *   setkey_print.c   setkey's dump formats, and a raw decoder for -x/-v
 *   setkey.c         options and running the commands
 * The unit test links lex, parse*, policy, alg and msg alone.
 */
#ifndef _SETKEY_H
#define _SETKEY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>

#if __has_include("../../uapi/nfipsec_pfkey.h")
#include "../../uapi/nfipsec_pfkey.h"
#else
/* Linux has no ID; FreeBSD's 15 clashes with Linux's AES-CCM-ICV12. */
#define NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305	28
#define NFIPSEC_SADB_X_AALG_AES128GMAC		11	/* FreeBSD's */
#define NFIPSEC_SADB_X_AALG_AES192GMAC		12
#define NFIPSEC_SADB_X_AALG_AES256GMAC		13
#define NFIPSEC_SADB_X_EXT_SA_REPLAY		32
#define NFIPSEC_SADB_X_EXT_TUNNEL_HDR		33
#define NFIPSEC_SADB_EXT_MAX			33
struct nfipsec_sadb_x_sa_replay {
	uint16_t	sadb_x_sa_replay_len;
	uint16_t	sadb_x_sa_replay_exttype;
	uint32_t	sadb_x_sa_replay_replay;
} __attribute__((packed));
enum { NFIPSEC_DF_CLEAR, NFIPSEC_DF_SET, NFIPSEC_DF_COPY };
enum { NFIPSEC_DSCP_COPY, NFIPSEC_DSCP_SET };
struct nfipsec_sadb_x_tunnel_hdr {
	uint16_t	sadb_x_tunnel_hdr_len;
	uint16_t	sadb_x_tunnel_hdr_exttype;
	uint8_t		sadb_x_tunnel_hdr_df;
	uint8_t		sadb_x_tunnel_hdr_dscp_mode;
	uint8_t		sadb_x_tunnel_hdr_dscp;
	uint8_t		sadb_x_tunnel_hdr_reserved;
} __attribute__((packed));
#endif

/*
 * KAME's sadb_sa_flags bits. Linux's header lacks them; ipsec-tools sends
 * them on Linux too (af_key ignores them), so we keep the same bytes.
 */
#define SK_EXT_OLD		0x0001	/* esp-old, ah-old (RFC 1827/1829) */
#define SK_EXT_CYCSEQ		0x0040	/* sequence number may wrap */
#define SK_EXT_RAWCPI		0x0080	/* ipcomp -R: CPI used as given */
#define SK_EXT_PSEQ		0x0000	/* seq-pad */
#define SK_EXT_PRAND		0x0100	/* random-pad */
#define SK_EXT_PZERO		0x0200	/* zero-pad */

/* libipsec's policy priority bases ("prio low|def|high"). */
#define SK_PRIO_HIGH		0x40000000u
#define SK_PRIO_DEF		0x80000000u
#define SK_PRIO_LOW		0xc0000000u

#define SK_MSG_MAX		4096	/* largest message we build */
#define SK_KEY_MAX		128	/* bytes of one key */
#define SK_POLICY_MAX		1024	/* bytes of one sadb_x_policy */
#define SK_EXT_SLOTS		(NFIPSEC_SADB_EXT_MAX + 1)

/* ---- lexer ------------------------------------------------------------ */
enum sk_tok {
	SK_T_EOF,
	SK_T_WORD,	/* bare word: keyword, address, number, -flag */
	SK_T_STRING,	/* "quoted", quotes stripped */
	SK_T_SEMI,
	SK_T_SLASH,
	SK_T_LBRACK,
	SK_T_RBRACK,
	SK_T_ERROR,
};

struct sk_lex {
	FILE		*fp;
	const char	*file;		/* for messages: "stdin", a path */
	int		 line;		/* line of the next character */
	int		 tokline;	/* line where the last token began */
	int		 pushed;	/* a token was pushed back */
	enum sk_tok	 tok;
	char		 text[1024];
	size_t		 len;
	char		 err[512];
};

void		sk_lex_init(struct sk_lex *, FILE *, const char *);
enum sk_tok	sk_lex_next(struct sk_lex *);
void		sk_lex_unget(struct sk_lex *);
int		sk_lex_raw(struct sk_lex *, char *, size_t);

/* ---- commands ----------------------------------------------------------- */
enum sk_cmdtype {
	SK_ADD, SK_UPDATE, SK_GETSPI, SK_GET, SK_DELETE, SK_DELETEALL, SK_FLUSH, SK_DUMP,
	SK_SPDADD, SK_SPDUPDATE, SK_SPDDELETE, SK_SPDFLUSH, SK_SPDDUMP,
	SK_EXIT,
};

struct sk_cmd {
	enum sk_cmdtype	 type;
	const char	*name;		/* the keyword, for messages */
	int		 line;
	uint8_t		 satype;
	struct sockaddr_storage src, dst;
	int		 splen, dplen;	/* -1: whole address */
	uint8_t		 ulproto;	/* IPSEC_ULPROTO_ANY or a protocol */
	uint32_t	 spi;
	uint32_t	 flags;		/* sadb_sa_flags (SK_EXT_*) */
	uint32_t	 replay;	/* window in packets */
	uint8_t		 mode;		/* IPSEC_MODE_* */
	uint32_t	 reqid;
	uint8_t		 ealg, aalg;	/* ealg doubles as calg for ipcomp */
	int		 have_ekey, have_akey;
	uint8_t		 ekey[SK_KEY_MAX], akey[SK_KEY_MAX];
	size_t		 ekeylen, akeylen;
	uint64_t	 lt_hard, lt_soft, lb_hard, lb_soft;
	uint8_t		 natt;		/* esp-udp: UDP_ENCAP_ESPINUDP */
	int		 have_th;	/* -df/-dscp given: send the extension */
	uint8_t		 th_df;		/* NFIPSEC_DF_* */
	uint8_t		 th_dscp_mode;	/* NFIPSEC_DSCP_* */
	uint8_t		 th_dscp;
	uint32_t	 tfc;		/* -tfc: NFIPSEC_SADB_X_EXT_TFC, 0 = none */
	int		 have_oa;	/* esp-udp ADDR: NAT original address */
	struct sockaddr_storage oa;
	uint8_t		 ctx_doi, ctx_alg;	/* -ctx: security context */
	char		 ctx[256];
	size_t		 ctxlen;		/* 0: none */
	uint8_t		 policy[SK_POLICY_MAX];	/* a whole sadb_x_policy */
	size_t		 policylen;
};

/* Called for each parsed command; <0 stops parsing, 1 means "exit". */
typedef int (*sk_exec_fn)(struct sk_cmd *, void *);

int	sk_parse(struct sk_lex *, sk_exec_fn, void *);
int	sk_parse_addr(const char *, const char *, int, int,
	    struct sockaddr_storage *, char *, size_t);

/* ---- policy strings --------------------------------------------------- */
int	sk_policy_parse(const char *, uint8_t *, size_t, size_t *,
	    char *, size_t);
void	sk_policy_print(FILE *, const struct sadb_x_policy *, size_t,
	    const char *);

/* ---- algorithms ------------------------------------------------------- */
enum sk_algkind { SK_ALG_ENC, SK_ALG_AUTH, SK_ALG_COMP };

struct sk_alg {
	const char	*name;
	enum sk_algkind	 kind;
	uint8_t		 id;
	uint16_t	 minbits, maxbits;	/* key; 0/0: takes no key */
	int		 aead;			/* needs no -A */
};

const struct sk_alg	*sk_alg_byname(enum sk_algkind, const char *);
const char		*sk_alg_name(enum sk_algkind, unsigned int);

/* ---- messages --------------------------------------------------------- */
ssize_t	sk_msg_build(const struct sk_cmd *, uint32_t, uint32_t,
	    uint8_t *, size_t);
int	sk_msg_index(const void *, size_t, const struct sadb_ext **,
	    char *, size_t);
size_t	sk_sockaddr_len(const struct sockaddr *);

/* ---- the socket ------------------------------------------------------- */
struct sk_io {
	int		 fd;
	uint32_t	 pid;
	uint32_t	 seq;
	int		 timeout_ms;
	int		 verbose;	/* -v: decode what goes either way */
};

typedef int (*sk_dump_fn)(const struct sadb_msg *, size_t, void *);

int	sk_io_open(struct sk_io *);
void	sk_io_close(struct sk_io *);
int	sk_io_request(struct sk_io *, uint8_t *, size_t, uint8_t *, size_t,
	    size_t *);
int	sk_io_dump(struct sk_io *, uint8_t, uint8_t, sk_dump_fn, void *);
int	sk_io_promisc(struct sk_io *);

/* ---- printing --------------------------------------------------------- */
void	sk_print_sa(FILE *, const struct sadb_msg *, size_t);
void	sk_print_sp(FILE *, const struct sadb_msg *, size_t);
void	sk_print_raw(FILE *, const char *, const struct sadb_msg *, size_t);

#endif /* _SETKEY_H */
