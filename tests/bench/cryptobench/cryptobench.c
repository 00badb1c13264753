// SPDX-License-Identifier: GPL-2.0
/*
 * cryptobench: the crypto ceiling under the IPsec benchmarks.
 *
 * Loading the module times the kernel crypto API's AEADs the way ESP calls
 * them (nfipsec's esp.c: assoc = SPI | seq | IV, the payload encrypted in
 * place, the ICV behind it) for a few payload sizes, and prints one line
 * per (algorithm, operation, size) to the kernel log:
 *
 *   cryptobench: result alg=gcm driver=... op=enc bytes=64 runs=5
 *                ns_median=... ns_min=... ns_max=... mbps_median=...
 *
 * The benchmark subtracts this from what a whole packet costs, so what is
 * left is the IPsec stack's own work. Nothing else happens: the module stays
 * loaded and idle until it is removed.
 *
 * Parameters: sizes= (payload bytes, rounded up to the cipher's block size
 * as ESP pads them), runs= (each figure is the median of this many),
 * msecs= (how long one run loops).
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>

enum {
	MAX_SIZES = 8,
	MAX_RUNS = 31,
	MAX_SIZE = 65536,
	ESP_HDR_LEN = 8,	/* SPI and sequence number */
	/* Time is read once per batch: the clock is not free under TCG. */
	BATCH = 8,
};

static int sizes[MAX_SIZES] = { 64, 512, 1400, 8192 };
static int nsizes = 4;
module_param_array(sizes, int, &nsizes, 0444);
MODULE_PARM_DESC(sizes, "payload sizes in bytes (default 64,512,1400,8192)");

static unsigned int runs = 5;
module_param(runs, uint, 0444);
MODULE_PARM_DESC(runs, "runs per figure; the median is reported (default 5)");

static unsigned int msecs = 100;
module_param(msecs, uint, 0444);
MODULE_PARM_DESC(msecs, "length of one run in milliseconds (default 100)");

/* The two transforms of the benchmark, with ESP's key and ICV lengths. */
struct bench_alg {
	const char *id;		/* the benchmark's name for it */
	const char *name;	/* what nfipsec asks the crypto API for */
	unsigned int enckeylen;	/* for GCM: AES key and 4-byte salt */
	unsigned int authkeylen; /* 0: a combined mode */
	unsigned int icvlen;
};

static const struct bench_alg bench_algs[] = {
	{ "gcm", "rfc4106(gcm(aes))", 16 + 4, 0, 16 },
	{ "cbc", "authenc(hmac(sha256),cbc(aes))", 16, 32, 16 },
};

/* One allocated transform with its buffers, request and wait. */
struct bench_ctx {
	const struct bench_alg *alg;
	struct crypto_aead *tfm;
	struct aead_request *req;
	struct crypto_wait wait;
	unsigned int assoclen;	/* ESP header and IV */
	u8 *buf;		/* assoc | payload | ICV, encrypted in place */
	u8 *out;		/* decryption's destination */
	u8 iv[16];
};

static int set_key(const struct bench_alg *a, struct crypto_aead *tfm)
{
	struct crypto_authenc_key_param *param;
	unsigned int len = a->enckeylen;
	struct rtattr *rta;
	u8 *key;
	int err;

	/* authenc's key: an rtattr with the cipher key's length, then the
	 * MAC key, then the cipher key (<crypto/authenc.h>).
	 */
	if (a->authkeylen)
		len += RTA_SPACE(sizeof(*param)) + a->authkeylen;
	key = kmalloc(len, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	get_random_bytes(key, len);
	if (a->authkeylen) {
		rta = (struct rtattr *)key;
		rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
		rta->rta_len = RTA_LENGTH(sizeof(*param));
		param = RTA_DATA(rta);
		param->enckeylen = cpu_to_be32(a->enckeylen);
	}
	err = crypto_aead_setkey(tfm, key, len);
	kfree_sensitive(key);
	if (!err)
		err = crypto_aead_setauthsize(tfm, a->icvlen);
	return err;
}

static void ctx_free(struct bench_ctx *c)
{
	kfree(c->buf);
	kfree(c->out);
	aead_request_free(c->req);
	if (!IS_ERR_OR_NULL(c->tfm))
		crypto_free_aead(c->tfm);
}

static int ctx_init(struct bench_ctx *c, const struct bench_alg *a)
{
	unsigned int buflen;
	int err;

	memset(c, 0, sizeof(*c));
	c->alg = a;
	c->tfm = crypto_alloc_aead(a->name, 0, 0);
	if (IS_ERR(c->tfm))
		return PTR_ERR(c->tfm);
	err = set_key(a, c->tfm);
	if (err)
		goto err_free;
	c->assoclen = ESP_HDR_LEN + crypto_aead_ivsize(c->tfm);
	buflen = c->assoclen + MAX_SIZE + a->icvlen;
	err = -ENOMEM;
	c->buf = kmalloc(buflen, GFP_KERNEL);
	c->out = kmalloc(buflen, GFP_KERNEL);
	c->req = aead_request_alloc(c->tfm, GFP_KERNEL);
	if (!c->buf || !c->out || !c->req)
		goto err_free;
	get_random_bytes(c->buf, buflen);
	get_random_bytes(c->iv, sizeof(c->iv));
	crypto_init_wait(&c->wait);
	aead_request_set_callback(c->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &c->wait);
	return 0;

err_free:
	ctx_free(c);
	return err;
}

/* Run operations for about msecs ms; return the mean ns per operation. */
static int time_run(struct bench_ctx *c, bool enc, u64 *ns)
{
	u64 start, now, end, n = 0;
	int err, i;

	start = ktime_get_ns();
	end = start + (u64)msecs * NSEC_PER_MSEC;
	do {
		for (i = 0; i < BATCH; i++) {
			err = enc ? crypto_aead_encrypt(c->req) :
				    crypto_aead_decrypt(c->req);
			err = crypto_wait_req(err, &c->wait);
			if (err)
				return err;
		}
		n += BATCH;
		cond_resched();
		now = ktime_get_ns();
	} while (now < end);
	*ns = div64_u64(now - start, n);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int bench_size(struct bench_ctx *c, unsigned int size)
{
	unsigned int bs = crypto_aead_blocksize(c->tfm);
	struct scatterlist src, dst;
	u64 ns[MAX_RUNS];
	unsigned int r;
	int op, err;

	size = round_up(size, bs);	/* ESP pads to the block size */
	for (op = 0; op < 2; op++) {
		bool enc = op == 0;

		/* Encrypt in place, as ESP does. Decrypt out of place, from
		 * one valid ciphertext, so that every run checks a good ICV.
		 */
		sg_init_one(&src, c->buf, c->assoclen + size + c->alg->icvlen);
		sg_init_one(&dst, c->out, c->assoclen + size + c->alg->icvlen);
		aead_request_set_ad(c->req, c->assoclen);
		if (enc) {
			aead_request_set_crypt(c->req, &src, &src, size, c->iv);
		} else {
			aead_request_set_crypt(c->req, &src, &src, size, c->iv);
			err = crypto_wait_req(crypto_aead_encrypt(c->req),
					      &c->wait);
			if (err)
				return err;
			aead_request_set_crypt(c->req, &src, &dst,
					       size + c->alg->icvlen, c->iv);
		}
		for (r = 0; r < runs; r++) {
			err = time_run(c, enc, &ns[r]);
			if (err)
				return err;
		}
		sort(ns, runs, sizeof(ns[0]), cmp_u64, NULL);
		pr_info("result alg=%s driver=%s op=%s bytes=%u runs=%u ns_median=%llu ns_min=%llu ns_max=%llu mbps_median=%llu\n",
			c->alg->id, crypto_aead_driver_name(c->tfm),
			enc ? "enc" : "dec", size, runs, ns[runs / 2], ns[0],
			ns[runs - 1],
			div64_u64((u64)size * 1000, max_t(u64, ns[runs / 2], 1)));
	}
	return 0;
}

static int __init cryptobench_init(void)
{
	struct bench_ctx c;
	unsigned int i;
	int s, err;

	if (!runs || runs > MAX_RUNS || !msecs)
		return -EINVAL;
	for (s = 0; s < nsizes; s++)
		if (sizes[s] <= 0 || sizes[s] > MAX_SIZE - 16)
			return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(bench_algs); i++) {
		err = ctx_init(&c, &bench_algs[i]);
		if (err) {
			pr_err("error alg=%s: cannot set up %s: %d\n",
			       bench_algs[i].id, bench_algs[i].name, err);
			continue;
		}
		for (s = 0; s < nsizes && !err; s++) {
			err = bench_size(&c, sizes[s]);
			if (err)
				pr_err("error alg=%s bytes=%d: %d\n",
				       c.alg->id, sizes[s], err);
		}
		ctx_free(&c);
	}
	pr_info("done\n");
	return 0;
}

static void __exit cryptobench_exit(void)
{
}

module_init(cryptobench_init);
module_exit(cryptobench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Times the kernel's ESP AEADs: the crypto ceiling of the nfipsec benchmarks");
