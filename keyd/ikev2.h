/* SPDX-License-Identifier: ISC */
/*
 * IKEv2 wire constants and packed wire structures (RFC 7296 and the IANA
 * "IKEv2 Parameters" registry).  Every number keyd puts on or reads from
 * the wire is named here, so the rest of the daemon never spells one.
 * Multi-octet fields in the structs are in network byte order.
 */
#ifndef _KEYD_IKEV2_H
#define _KEYD_IKEV2_H

#include <stdint.h>

#define __ikev2_packed __attribute__((__packed__))

enum {
	IKEV2_VERSION		= 0x20,	/* major 2, minor 0 */
	IKEV2_MAJOR_MASK	= 0xf0,
	IKEV2_SPI_SIZE		= 8,
	IKEV2_NONCE_MIN		= 16,	/* §3.9 */
	IKEV2_NONCE_MAX		= 256,
	IKEV2_COOKIE_MAX	= 64,	/* §2.6: 1..64 octets */
	IKEV2_NATD_LEN		= 20,	/* SHA-1 digest, §2.23 */
	IKEV2_UDP_PORT		= 500,
	IKEV2_NATT_PORT		= 4500,
};

/* Header flags (§3.1). */
enum {
	IKEV2_FLAG_INITIATOR	= 0x08,
	IKEV2_FLAG_VERSION	= 0x10,
	IKEV2_FLAG_RESPONSE	= 0x20,
};

/* Exchange types (§3.1, RFC 9242, RFC 9370). */
enum ikev2_exchange {
	IKEV2_EXCH_IKE_SA_INIT		= 34,
	IKEV2_EXCH_IKE_AUTH		= 35,
	IKEV2_EXCH_CREATE_CHILD_SA	= 36,
	IKEV2_EXCH_INFORMATIONAL	= 37,
	IKEV2_EXCH_IKE_SESSION_RESUME	= 38,
	IKEV2_EXCH_IKE_INTERMEDIATE	= 43,
	IKEV2_EXCH_IKE_FOLLOWUP_KE	= 44,
};

/* Payload types (§3.2, RFC 7383 for SKF). */
enum ikev2_payload {
	IKEV2_PLD_NONE		= 0,
	IKEV2_PLD_SA		= 33,
	IKEV2_PLD_KE		= 34,
	IKEV2_PLD_IDi		= 35,
	IKEV2_PLD_IDr		= 36,
	IKEV2_PLD_CERT		= 37,
	IKEV2_PLD_CERTREQ	= 38,
	IKEV2_PLD_AUTH		= 39,
	IKEV2_PLD_NONCE		= 40,
	IKEV2_PLD_NOTIFY	= 41,
	IKEV2_PLD_DELETE	= 42,
	IKEV2_PLD_VENDOR	= 43,
	IKEV2_PLD_TSi		= 44,
	IKEV2_PLD_TSr		= 45,
	IKEV2_PLD_SK		= 46,
	IKEV2_PLD_CP		= 47,
	IKEV2_PLD_EAP		= 48,
	IKEV2_PLD_GSPM		= 49,
	IKEV2_PLD_SKF		= 53,
};

enum {
	IKEV2_CRITICAL		= 0x80,	/* generic header, §3.2 */
};

/* Protocol IDs (§3.3.1). */
enum ikev2_proto {
	IKEV2_PROTO_NONE	= 0,
	IKEV2_PROTO_IKE		= 1,
	IKEV2_PROTO_AH		= 2,
	IKEV2_PROTO_ESP		= 3,
};

/* Proposal / transform "Last Substruc" values (§3.3.1, §3.3.2). */
enum {
	IKEV2_PROP_LAST		= 0,
	IKEV2_PROP_MORE		= 2,
	IKEV2_XFORM_LAST	= 0,
	IKEV2_XFORM_MORE	= 3,
};

/* Transform types (§3.3.2). */
enum ikev2_xform_type {
	IKEV2_XFORM_ENCR	= 1,
	IKEV2_XFORM_PRF		= 2,
	IKEV2_XFORM_INTEG	= 3,
	IKEV2_XFORM_DH		= 4,	/* "Key Exchange Method" */
	IKEV2_XFORM_ESN		= 5,
};

/* Transform type 1: encryption algorithms. */
enum ikev2_encr {
	IKEV2_ENCR_3DES			= 3,
	IKEV2_ENCR_NULL			= 11,
	IKEV2_ENCR_AES_CBC		= 12,
	IKEV2_ENCR_AES_CTR		= 13,
	IKEV2_ENCR_AES_CCM_8		= 14,
	IKEV2_ENCR_AES_CCM_12		= 15,
	IKEV2_ENCR_AES_CCM_16		= 16,
	IKEV2_ENCR_AES_GCM_8		= 18,
	IKEV2_ENCR_AES_GCM_12		= 19,
	IKEV2_ENCR_AES_GCM_16		= 20,
	IKEV2_ENCR_NULL_AUTH_AES_GMAC	= 21,
	IKEV2_ENCR_CHACHA20_POLY1305	= 28,
};

/* Transform type 2: pseudorandom functions. */
enum ikev2_prf {
	IKEV2_PRF_HMAC_MD5		= 1,
	IKEV2_PRF_HMAC_SHA1		= 2,
	IKEV2_PRF_AES128_XCBC		= 4,
	IKEV2_PRF_HMAC_SHA2_256		= 5,
	IKEV2_PRF_HMAC_SHA2_384		= 6,
	IKEV2_PRF_HMAC_SHA2_512		= 7,
	IKEV2_PRF_AES128_CMAC		= 8,
};

/* Transform type 3: integrity algorithms. */
enum ikev2_integ {
	IKEV2_INTEG_NONE		= 0,
	IKEV2_INTEG_HMAC_MD5_96		= 1,
	IKEV2_INTEG_HMAC_SHA1_96	= 2,
	IKEV2_INTEG_AES_XCBC_96		= 5,
	IKEV2_INTEG_HMAC_SHA2_256_128	= 12,
	IKEV2_INTEG_HMAC_SHA2_384_192	= 13,
	IKEV2_INTEG_HMAC_SHA2_512_256	= 14,
};

/* Transform type 4: Diffie-Hellman groups. */
enum ikev2_dh {
	IKEV2_DH_NONE		= 0,
	IKEV2_DH_MODP_1024	= 2,
	IKEV2_DH_MODP_1536	= 5,
	IKEV2_DH_MODP_2048	= 14,
	IKEV2_DH_MODP_3072	= 15,
	IKEV2_DH_MODP_4096	= 16,
	IKEV2_DH_ECP_256	= 19,
	IKEV2_DH_ECP_384	= 20,
	IKEV2_DH_ECP_521	= 21,
	IKEV2_DH_CURVE25519	= 31,
	IKEV2_DH_CURVE448	= 32,
};

/* Transform type 5: extended sequence numbers. */
enum ikev2_esn {
	IKEV2_ESN_NONE		= 0,
	IKEV2_ESN_ENABLED	= 1,
};

/* Transform attributes (§3.3.5). */
enum {
	IKEV2_ATTR_TV		= 0x8000,	/* AF bit: value in the header */
	IKEV2_ATTR_KEYLEN	= 14,
};

/* ID types (§3.5, RFC 7619). */
enum ikev2_id_type {
	IKEV2_ID_IPV4_ADDR	= 1,
	IKEV2_ID_FQDN		= 2,
	IKEV2_ID_RFC822_ADDR	= 3,
	IKEV2_ID_IPV6_ADDR	= 5,
	IKEV2_ID_DER_ASN1_DN	= 9,
	IKEV2_ID_DER_ASN1_GN	= 10,
	IKEV2_ID_KEY_ID		= 11,
	IKEV2_ID_FC_NAME	= 12,
	IKEV2_ID_NULL		= 13,
};

/* Certificate encodings (§3.6, RFC 7670). */
enum ikev2_cert_enc {
	IKEV2_CERT_PKCS7		= 1,
	IKEV2_CERT_PGP			= 2,
	IKEV2_CERT_DNS_KEY		= 3,
	IKEV2_CERT_X509_SIG		= 4,
	IKEV2_CERT_KERBEROS		= 6,
	IKEV2_CERT_CRL			= 7,
	IKEV2_CERT_ARL			= 8,
	IKEV2_CERT_SPKI			= 9,
	IKEV2_CERT_X509_ATTR		= 10,
	IKEV2_CERT_RAW_RSA		= 11,
	IKEV2_CERT_HASH_URL_X509	= 12,
	IKEV2_CERT_HASH_URL_BUNDLE	= 13,
	IKEV2_CERT_OCSP			= 14,
	IKEV2_CERT_RAW_PUBKEY		= 15,
};

/* Authentication methods (§3.8, RFC 4754, RFC 7427, RFC 7619). */
enum ikev2_auth_method {
	IKEV2_AUTH_RSA_SIG		= 1,
	IKEV2_AUTH_SHARED_KEY_MIC	= 2,
	IKEV2_AUTH_DSS_SIG		= 3,
	IKEV2_AUTH_ECDSA_256		= 9,
	IKEV2_AUTH_ECDSA_384		= 10,
	IKEV2_AUTH_ECDSA_521		= 11,
	IKEV2_AUTH_GSPAM		= 12,
	IKEV2_AUTH_NULL			= 13,
	IKEV2_AUTH_DIGITAL_SIGNATURE	= 14,
};

/* Traffic selector types (§3.13.1). */
enum ikev2_ts_type {
	IKEV2_TS_IPV4_ADDR_RANGE	= 7,
	IKEV2_TS_IPV6_ADDR_RANGE	= 8,
};

/* Configuration payload (§3.15). */
enum ikev2_cfg_type {
	IKEV2_CFG_REQUEST	= 1,
	IKEV2_CFG_REPLY		= 2,
	IKEV2_CFG_SET		= 3,
	IKEV2_CFG_ACK		= 4,
};

enum ikev2_cfg_attr {
	IKEV2_CFG_INTERNAL_IP4_ADDRESS	= 1,
	IKEV2_CFG_INTERNAL_IP4_NETMASK	= 2,
	IKEV2_CFG_INTERNAL_IP4_DNS	= 3,
	IKEV2_CFG_INTERNAL_IP4_NBNS	= 4,
	IKEV2_CFG_INTERNAL_IP4_DHCP	= 6,
	IKEV2_CFG_APPLICATION_VERSION	= 7,
	IKEV2_CFG_INTERNAL_IP6_ADDRESS	= 8,
	IKEV2_CFG_INTERNAL_IP6_DNS	= 10,
	IKEV2_CFG_INTERNAL_IP6_DHCP	= 12,
	IKEV2_CFG_INTERNAL_IP4_SUBNET	= 13,
	IKEV2_CFG_SUPPORTED_ATTRIBUTES	= 14,
	IKEV2_CFG_INTERNAL_IP6_SUBNET	= 15,
};

/* Notify message types (§3.10.1): errors below 16384, status above. */
enum ikev2_notify_type {
	IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD	= 1,
	IKEV2_N_INVALID_IKE_SPI			= 4,
	IKEV2_N_INVALID_MAJOR_VERSION		= 5,
	IKEV2_N_INVALID_SYNTAX			= 7,
	IKEV2_N_INVALID_MESSAGE_ID		= 9,
	IKEV2_N_INVALID_SPI			= 11,
	IKEV2_N_NO_PROPOSAL_CHOSEN		= 14,
	IKEV2_N_INVALID_KE_PAYLOAD		= 17,
	IKEV2_N_AUTHENTICATION_FAILED		= 24,
	IKEV2_N_SINGLE_PAIR_REQUIRED		= 34,
	IKEV2_N_NO_ADDITIONAL_SAS		= 35,
	IKEV2_N_INTERNAL_ADDRESS_FAILURE	= 36,
	IKEV2_N_FAILED_CP_REQUIRED		= 37,
	IKEV2_N_TS_UNACCEPTABLE			= 38,
	IKEV2_N_INVALID_SELECTORS		= 39,
	IKEV2_N_UNACCEPTABLE_ADDRESSES		= 40,
	IKEV2_N_UNEXPECTED_NAT_DETECTED		= 41,
	IKEV2_N_TEMPORARY_FAILURE		= 43,
	IKEV2_N_CHILD_SA_NOT_FOUND		= 44,
	IKEV2_N_ERROR_MAX			= 16383,

	IKEV2_N_INITIAL_CONTACT			= 16384,
	IKEV2_N_SET_WINDOW_SIZE			= 16385,
	IKEV2_N_ADDITIONAL_TS_POSSIBLE		= 16386,
	IKEV2_N_IPCOMP_SUPPORTED		= 16387,
	IKEV2_N_NAT_DETECTION_SOURCE_IP		= 16388,
	IKEV2_N_NAT_DETECTION_DESTINATION_IP	= 16389,
	IKEV2_N_COOKIE				= 16390,
	IKEV2_N_USE_TRANSPORT_MODE		= 16391,
	IKEV2_N_HTTP_CERT_LOOKUP_SUPPORTED	= 16392,
	IKEV2_N_REKEY_SA			= 16393,
	IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED	= 16394,
	IKEV2_N_NON_FIRST_FRAGMENTS_ALSO	= 16395,
	IKEV2_N_MOBIKE_SUPPORTED		= 16396,
	IKEV2_N_ADDITIONAL_IP4_ADDRESS		= 16397,
	IKEV2_N_ADDITIONAL_IP6_ADDRESS		= 16398,
	IKEV2_N_NO_ADDITIONAL_ADDRESSES		= 16399,
	IKEV2_N_UPDATE_SA_ADDRESSES		= 16400,
	IKEV2_N_COOKIE2				= 16401,
	IKEV2_N_NO_NATS_ALLOWED			= 16402,
	IKEV2_N_AUTH_LIFETIME			= 16403,
	IKEV2_N_MULTIPLE_AUTH_SUPPORTED		= 16404,
	IKEV2_N_ANOTHER_AUTH_FOLLOWS		= 16405,
	IKEV2_N_REDIRECT_SUPPORTED		= 16406,
	IKEV2_N_REDIRECT			= 16407,
	IKEV2_N_REDIRECTED_FROM			= 16408,
	IKEV2_N_EAP_ONLY_AUTHENTICATION		= 16417,
	IKEV2_N_CHILDLESS_IKEV2_SUPPORTED	= 16418,
	IKEV2_N_FRAGMENTATION_SUPPORTED		= 16430,
	IKEV2_N_SIGNATURE_HASH_ALGORITHMS	= 16431,
	IKEV2_N_INTERMEDIATE_EXCHANGE_SUPPORTED	= 16438,
};

/* Hash algorithms for SIGNATURE_HASH_ALGORITHMS (RFC 7427). */
enum ikev2_sighash {
	IKEV2_SIGHASH_SHA1	= 1,
	IKEV2_SIGHASH_SHA2_256	= 2,
	IKEV2_SIGHASH_SHA2_384	= 3,
	IKEV2_SIGHASH_SHA2_512	= 4,
	IKEV2_SIGHASH_IDENTITY	= 5,
};

/* IKE header (§3.1): 28 octets. */
struct ikev2_hdr {
	uint8_t		ispi[IKEV2_SPI_SIZE];
	uint8_t		rspi[IKEV2_SPI_SIZE];
	uint8_t		next;
	uint8_t		version;
	uint8_t		exchange;
	uint8_t		flags;
	uint32_t	msgid;
	uint32_t	length;		/* whole message, header included */
} __ikev2_packed;

/* Generic payload header (§3.2). */
struct ikev2_gen {
	uint8_t		next;
	uint8_t		critical;	/* IKEV2_CRITICAL, rest reserved */
	uint16_t	length;		/* payload, this header included */
} __ikev2_packed;

/* SA payload proposal substructure (§3.3.1); SPI and transforms follow. */
struct ikev2_prop {
	uint8_t		last;
	uint8_t		reserved;
	uint16_t	length;
	uint8_t		num;
	uint8_t		proto;
	uint8_t		spisize;
	uint8_t		nxforms;
} __ikev2_packed;

/* Transform substructure (§3.3.2); attributes follow. */
struct ikev2_xform {
	uint8_t		last;
	uint8_t		reserved;
	uint16_t	length;
	uint8_t		type;
	uint8_t		reserved2;
	uint16_t	id;
} __ikev2_packed;

/* Transform attribute (§3.3.5): TV when IKEV2_ATTR_TV is set in type. */
struct ikev2_attr {
	uint16_t	type;
	uint16_t	val;		/* value (TV) or length (TLV) */
} __ikev2_packed;

/* Key Exchange payload body (§3.4). */
struct ikev2_ke {
	uint16_t	group;
	uint16_t	reserved;
} __ikev2_packed;

/* Identification payload body (§3.5). */
struct ikev2_id {
	uint8_t		type;
	uint8_t		reserved[3];
} __ikev2_packed;

/* Certificate and Certificate Request payload bodies (§3.6, §3.7). */
struct ikev2_cert {
	uint8_t		encoding;
} __ikev2_packed;

/* Authentication payload body (§3.8). */
struct ikev2_auth {
	uint8_t		method;
	uint8_t		reserved[3];
} __ikev2_packed;

/* Notify payload body (§3.10); SPI and data follow. */
struct ikev2_notify {
	uint8_t		proto;
	uint8_t		spisize;
	uint16_t	type;
} __ikev2_packed;

/* Delete payload body (§3.11); nspi SPIs of spisize octets follow. */
struct ikev2_delete {
	uint8_t		proto;
	uint8_t		spisize;
	uint16_t	nspi;
} __ikev2_packed;

/* Traffic Selector payload body (§3.13). */
struct ikev2_tsp {
	uint8_t		nts;
	uint8_t		reserved[3];
} __ikev2_packed;

/* One traffic selector (§3.13.1); start and end addresses follow. */
struct ikev2_ts {
	uint8_t		type;
	uint8_t		proto;
	uint16_t	length;
	uint16_t	sport;
	uint16_t	eport;
} __ikev2_packed;

/* Configuration payload body (§3.15); attributes follow. */
struct ikev2_cp {
	uint8_t		type;
	uint8_t		reserved[3];
} __ikev2_packed;

struct ikev2_cfg {
	uint16_t	type;		/* top bit reserved */
	uint16_t	length;
} __ikev2_packed;

/* Encrypted Fragment payload body (RFC 7383 §2.5); IV etc. follow. */
struct ikev2_skf {
	uint16_t	fragnum;
	uint16_t	total;
} __ikev2_packed;

_Static_assert(sizeof(struct ikev2_hdr) == 28, "IKE header is 28 octets");
_Static_assert(sizeof(struct ikev2_gen) == 4, "generic header is 4 octets");
_Static_assert(sizeof(struct ikev2_prop) == 8, "proposal header");
_Static_assert(sizeof(struct ikev2_xform) == 8, "transform header");
_Static_assert(sizeof(struct ikev2_ts) == 8, "traffic selector header");

#endif /* _KEYD_IKEV2_H */
