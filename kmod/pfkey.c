// SPDX-License-Identifier: GPL-2.0
/*
 * The PF_KEY socket family (RFC 2367), in place of Linux's af_key: the same
 * family number, socket type and protocol (socket(PF_KEY, SOCK_RAW,
 * PF_KEY_V2)), so existing key managers talk to nfipsec unmodified. Only one
 * module can own PF_KEY, so af_key.ko and nfipsec.ko exclude each other.
 *
 * Each network namespace has its own socket list. A message written to a
 * socket is validated (pfkey_parse.c), handled with cfg_lock held, and
 * answered in one of RFC 2367 §3.1's ways: to the sender only, to every
 * socket, or to the sockets registered for the SA type; promiscuous sockets
 * get a copy of everything.
 *
 * Nothing is lost without a trace. A reply the sender's full receive
 * buffer cannot take makes its write() fail with ENOBUFS. A socket that
 * misses a broadcast because it is full gets ENOBUFS from its next read
 * (once; later reads return what it had queued, as with netlink), and the
 * PfkeyEnobufs counter goes up. A dump (SADB_DUMP, SADB_X_SPDDUMP) never overflows the reader: it
 * pauses while the buffer is two thirds full and resumes from recvmsg()
 * once it is down to a third, like af_key's.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "netns.h"
#include "pfkey.h"

struct pfkey_sock {
	struct sock sk;			/* first: a struct sock * is one */
	u32 registered;			/* BIT(satype) REGISTERed; READ_ONCE */
	bool promisc;			/* READ_ONCE */
	/* The running dump; all of it under the netns' cfg_lock. */
	struct {
		const struct nfipsec_pfkey_dump_ops *ops;	/* NULL: none */
		void **items;
		unsigned int n, next;
		struct sadb_msg req;
	} dump;
	bool dumping;			/* dump.ops != NULL; racy hint */
};

static struct pfkey_sock *pfkey_sk(struct sock *sk)
{
	return container_of(sk, struct pfkey_sock, sk);
}

static struct proto pfkey_proto = {
	.name = "NFIPSEC_KEY",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct pfkey_sock),
};

u32 nfipsec_pfkey_registered(struct sock *sk)
{
	return READ_ONCE(pfkey_sk(sk)->registered);
}

void nfipsec_pfkey_set_registered(struct sock *sk, u32 mask)
{
	WRITE_ONCE(pfkey_sk(sk)->registered, mask);
}

void nfipsec_pfkey_set_promisc(struct sock *sk, bool on)
{
	WRITE_ONCE(pfkey_sk(sk)->promisc, on);
}

/* Queue a clone of @skb on @sk. Any context. */
static int deliver(struct sock *sk, struct sk_buff *skb, gfp_t gfp)
{
	struct sk_buff *c;

	if (atomic_read(&sk->sk_rmem_alloc) > READ_ONCE(sk->sk_rcvbuf))
		return -ENOBUFS;
	c = skb_clone(skb, gfp);
	if (!c)
		return -ENOBUFS;
	skb_set_owner_r(c, sk);
	skb_queue_tail(&sk->sk_receive_queue, c);
	sk->sk_data_ready(sk);
	return 0;
}

/* @sk missed a message: make its next read (after the queue) fail. */
static void overrun(struct nfipsec_net *nn, struct sock *sk)
{
	nfipsec_stat_inc(nn, NFIPSEC_STAT_PFKEY_ENOBUFS);
	WRITE_ONCE(sk->sk_err, ENOBUFS);
	sk_error_report(sk);
}

static bool wants(const struct pfkey_sock *pfk, enum nfipsec_pfkey_to to,
		  u8 satype)
{
	u32 reg;

	switch (to) {
	case NFIPSEC_PFKEY_ALL:
		return true;
	case NFIPSEC_PFKEY_REGISTERED:
		reg = READ_ONCE(pfk->registered);
		return satype ? reg & BIT(satype) : reg;
	default:
		return false;
	}
}

int nfipsec_pfkey_broadcast(struct net *net, struct sk_buff *skb,
			    enum nfipsec_pfkey_to to, struct sock *one,
			    u8 satype)
{
	struct nfipsec_net *nn = nfipsec_pernet(net);
	gfp_t gfp = in_task() ? GFP_KERNEL : GFP_ATOMIC;
	int ret = to == NFIPSEC_PFKEY_REGISTERED ? -ESRCH : 0;
	struct sock *sk;

	if (!skb)
		return -ENOMEM;
	rcu_read_lock();
	sk_for_each_rcu(sk, &nn->pfkey->socks) {
		struct pfkey_sock *pfk = pfkey_sk(sk);

		/* RFC 2367 §3.1.11: a promiscuous socket gets a copy of all,
		 * twice if it is also an addressee, as af_key does.
		 */
		if (READ_ONCE(pfk->promisc) && deliver(sk, skb, GFP_ATOMIC))
			overrun(nn, sk);
		if (sk == one || !wants(pfk, to, satype))
			continue;
		if (deliver(sk, skb, GFP_ATOMIC)) {
			overrun(nn, sk);
			continue;
		}
		if (to == NFIPSEC_PFKEY_REGISTERED)
			ret = 0;
	}
	rcu_read_unlock();
	if (one) {
		int err = deliver(one, skb, gfp);

		if (err) {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_PFKEY_ENOBUFS);
			ret = err;
		} else if (to == NFIPSEC_PFKEY_REGISTERED) {
			ret = 0;
		}
	}
	kfree_skb(skb);
	return ret;
}

struct sk_buff *nfipsec_pfkey_alloc(size_t size, gfp_t gfp, u8 type,
				    u8 satype, u32 seq, u32 pid)
{
	struct sk_buff *skb = alloc_skb(size, gfp);
	struct sadb_msg *hdr;

	if (!skb)
		return NULL;
	hdr = skb_put_zero(skb, sizeof(*hdr));
	hdr->sadb_msg_version = PF_KEY_V2;
	hdr->sadb_msg_type = type;
	hdr->sadb_msg_satype = satype;
	hdr->sadb_msg_len = sizeof(*hdr) / 8;
	hdr->sadb_msg_seq = seq;
	hdr->sadb_msg_pid = pid;
	return skb;
}

void nfipsec_pfkey_finish(struct sk_buff *skb)
{
	struct sadb_msg *hdr = (struct sadb_msg *)skb->data;

	WARN_ON_ONCE(skb->len % 8);
	hdr->sadb_msg_len = skb->len / 8;
}

void *nfipsec_pfkey_put_ext(struct sk_buff *skb, u16 type, size_t len)
{
	struct sadb_ext *ext = skb_put_zero(skb, len);

	ext->sadb_ext_len = len / 8;
	ext->sadb_ext_type = type;
	return ext;
}

/* Answer @req with sadb_msg_errno = -@err, to the sender. */
static int reply_error(struct sock *sk, const struct sadb_msg *req, int err)
{
	struct sk_buff *skb;
	struct sadb_msg *hdr;

	err = -err;
	if (err <= 0 || err > 255)
		err = EINVAL;
	skb = alloc_skb(sizeof(*hdr), GFP_KERNEL);
	if (!skb)
		return -ENOBUFS;
	hdr = skb_put_data(skb, req, sizeof(*hdr));
	hdr->sadb_msg_errno = err;
	hdr->sadb_msg_reserved = 0;	/* a dump's flags (pfkey_sa.c) */
	hdr->sadb_msg_len = sizeof(*hdr) / 8;
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ONE,
				       sk, 0);
}

/* ---- dumps ---- */

/* Must be called with cfg_lock held. */
static void dump_end(struct pfkey_sock *pfk)
{
	unsigned int i;

	if (!pfk->dump.ops)
		return;
	for (i = pfk->dump.next; i < pfk->dump.n; i++)
		pfk->dump.ops->put(pfk->dump.items[i]);
	kvfree(pfk->dump.items);
	pfk->dump.items = NULL;
	pfk->dump.ops = NULL;
	WRITE_ONCE(pfk->dumping, false);
}

static bool can_dump(const struct sock *sk)
{
	return 3 * atomic_read(&sk->sk_rmem_alloc) <= 2 * sk->sk_rcvbuf;
}

int nfipsec_pfkey_dump_start(struct sock *sk, const struct sadb_msg *req,
			     const struct nfipsec_pfkey_dump_ops *ops,
			     void **items, unsigned int n)
{
	struct pfkey_sock *pfk = pfkey_sk(sk);
	unsigned int i;

	lockdep_assert_held(&nfipsec_pernet(sock_net(sk))->cfg_lock);
	if (pfk->dump.ops || !n) {
		for (i = 0; i < n; i++)
			ops->put(items[i]);
		kvfree(items);
		/* RFC 2367 leaves an empty dump open; af_key says ENOENT,
		 * which setkey -D prints as "No SAD entries."
		 */
		return n ? -EBUSY : -ENOENT;
	}
	pfk->dump.ops = ops;
	pfk->dump.items = items;
	pfk->dump.n = n;
	pfk->dump.next = 0;
	pfk->dump.req = *req;
	WRITE_ONCE(pfk->dumping, true);
	return 0;
}

/* Send what the reader's buffer can take. Must be called with cfg_lock. */
static void dump_more(struct nfipsec_net *nn, struct pfkey_sock *pfk)
{
	struct sock *sk = &pfk->sk;
	struct sk_buff *skb;
	int err;

	lockdep_assert_held(&nn->cfg_lock);
	while (pfk->dump.ops && pfk->dump.next < pfk->dump.n && can_dump(sk)) {
		void *item = pfk->dump.items[pfk->dump.next];

		skb = pfk->dump.ops->build(item, &pfk->dump.req);
		if (!skb) {
			/* Cannot go on: end the dump with an error the
			 * reader sees instead of a silent truncation.
			 */
			dump_end(pfk);
			reply_error(sk, &pfk->dump.req, -ENOMEM);
			return;
		}
		((struct sadb_msg *)skb->data)->sadb_msg_seq =
			pfk->dump.n - 1 - pfk->dump.next;
		err = nfipsec_pfkey_broadcast(sock_net(sk), skb,
					      NFIPSEC_PFKEY_ONE, sk, 0);
		if (err)
			return;	/* full after all: rebuilt on the next read */
		pfk->dump.ops->put(item);
		pfk->dump.next++;
	}
	if (pfk->dump.ops && pfk->dump.next == pfk->dump.n)
		dump_end(pfk);
}

static void dump_resume(struct sock *sk)
{
	struct nfipsec_net *nn = nfipsec_pernet(sock_net(sk));

	mutex_lock(&nn->cfg_lock);
	dump_more(nn, pfkey_sk(sk));
	mutex_unlock(&nn->cfg_lock);
}

/* ---- messages ---- */

static int pfkey_promisc(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m)
{
	struct sk_buff *skb;
	struct sadb_msg *hdr;

	/* Header only: satype 1 turns promiscuous mode on, 0 off. */
	if (m->hdr->sadb_msg_satype > 1)
		return -EINVAL;
	nfipsec_pfkey_set_promisc(sk, m->hdr->sadb_msg_satype);
	skb = alloc_skb(sizeof(*hdr), GFP_KERNEL);
	if (!skb)
		return -ENOBUFS;
	hdr = skb_put_data(skb, m->hdr, sizeof(*hdr));
	hdr->sadb_msg_errno = 0;
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ALL,
				       sk, 0);
}

static const nfipsec_pfkey_handler handlers[SADB_MAX + 1] = {
	[SADB_GETSPI]		= nfipsec_pfkey_getspi,
	[SADB_UPDATE]		= nfipsec_pfkey_add,
	[SADB_ADD]		= nfipsec_pfkey_add,
	[SADB_DELETE]		= nfipsec_pfkey_delete,
	[SADB_GET]		= nfipsec_pfkey_get,
	[SADB_ACQUIRE]		= nfipsec_pfkey_acquire_reply,
	[SADB_REGISTER]		= nfipsec_pfkey_register,
	[SADB_FLUSH]		= nfipsec_pfkey_flush,
	[SADB_DUMP]		= nfipsec_pfkey_dump,
	[SADB_X_PROMISC]	= pfkey_promisc,
	[SADB_X_SPDUPDATE]	= nfipsec_pfkey_spdadd,
	[SADB_X_SPDADD]		= nfipsec_pfkey_spdadd,
	[SADB_X_SPDDELETE]	= nfipsec_pfkey_spddelete,
	[SADB_X_SPDGET]		= nfipsec_pfkey_spdget,
	[SADB_X_SPDDUMP]	= nfipsec_pfkey_spddump,
	[SADB_X_SPDFLUSH]	= nfipsec_pfkey_spdflush,
	[SADB_X_SPDDELETE2]	= nfipsec_pfkey_spdget,
	[SADB_X_SPDSETIDX]	= nfipsec_pfkey_spdadd,
	[SADB_X_MIGRATE]	= nfipsec_pfkey_migrate,
};

static int pfkey_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct nfipsec_net *nn = nfipsec_pernet(sock_net(sk));
	struct nfipsec_pfkey_msg m;
	nfipsec_pfkey_handler fn;
	struct sk_buff *skb;
	int err;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (len > READ_ONCE(sk->sk_sndbuf) - 32 || len > U16_MAX * 8)
		return -EMSGSIZE;
	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb)
		return -ENOBUFS;
	if (memcpy_from_msg(skb_put(skb, len), msg, len)) {
		kfree_skb(skb);
		return -EFAULT;
	}

	err = nfipsec_pfkey_parse(skb->data, len, &m);
	if (err) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_PFKEY_BAD_MSG);
	} else {
		/* Promiscuous sockets see every request (§3.1.11). */
		nfipsec_pfkey_broadcast(sock_net(sk), skb_clone(skb, GFP_KERNEL),
					NFIPSEC_PFKEY_PROMISC, NULL, 0);
		fn = handlers[m.hdr->sadb_msg_type];
		mutex_lock(&nn->cfg_lock);
		err = fn ? fn(sk, nn, &m) : -EOPNOTSUPP;
		if (!err)
			dump_more(nn, pfkey_sk(sk));
		mutex_unlock(&nn->cfg_lock);
		if (err == -EINVAL)
			nfipsec_stat_inc(nn, NFIPSEC_STAT_PFKEY_BAD_MSG);
	}
	/* A failure is answered in sadb_msg_errno when there is a header to
	 * answer; when even that cannot be queued, write() fails.
	 */
	if (err && len >= sizeof(struct sadb_msg) &&
	    !reply_error(sk, (const struct sadb_msg *)skb->data, err))
		err = 0;
	kfree_skb(skb);
	return err ?: len;
}

static int pfkey_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
			 int flags)
{
	struct sock *sk = sock->sk;
	struct pfkey_sock *pfk = pfkey_sk(sk);
	struct sk_buff *skb;
	int copied, err;

	if (flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_COMPAT))
		return -EINVAL;
	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb)
		return err;
	copied = skb->len;
	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (!err) {
		sock_recv_cmsgs(msg, sk, skb);
		err = (flags & MSG_TRUNC) ? skb->len : copied;
	}
	skb_free_datagram(sk, skb);
	if (READ_ONCE(pfk->dumping) &&
	    3 * atomic_read(&sk->sk_rmem_alloc) <= sk->sk_rcvbuf)
		dump_resume(sk);
	return err;
}

static int pfkey_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct nfipsec_net *nn;

	if (!sk)
		return 0;
	nn = nfipsec_pernet(sock_net(sk));
	mutex_lock(&nn->pfkey->socks_lock);
	sk_del_node_init_rcu(sk);
	mutex_unlock(&nn->pfkey->socks_lock);

	mutex_lock(&nn->cfg_lock);
	dump_end(pfkey_sk(sk));
	mutex_unlock(&nn->cfg_lock);

	sock_orphan(sk);
	sock->sk = NULL;
	/* Broadcasts may still hold @sk under RCU: it is freed after a grace
	 * period (SOCK_RCU_FREE), and its destructor drops what they
	 * queued meanwhile.
	 */
	sock_put(sk);
	return 0;
}

static void pfkey_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
	WARN_ON(atomic_read(&sk->sk_rmem_alloc));
}

static const struct proto_ops pfkey_ops = {
	.family		= PF_KEY,
	.owner		= THIS_MODULE,
	.release	= pfkey_release,
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= sock_no_getname,
	.poll		= datagram_poll,
	.ioctl		= sock_no_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.sendmsg	= pfkey_sendmsg,
	.recvmsg	= pfkey_recvmsg,
	.mmap		= sock_no_mmap,
};

static int pfkey_create(struct net *net, struct socket *sock, int protocol,
			int kern)
{
	struct nfipsec_net *nn = nfipsec_pernet(net);
	struct sock *sk;

	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (sock->type != SOCK_RAW)
		return -ESOCKTNOSUPPORT;
	if (protocol != PF_KEY_V2)
		return -EPROTONOSUPPORT;
	sk = sk_alloc(net, PF_KEY, GFP_KERNEL, &pfkey_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = &pfkey_ops;
	sock_init_data(sock, sk);
	sk->sk_family = PF_KEY;
	sk->sk_destruct = pfkey_destruct;
	sock_set_flag(sk, SOCK_RCU_FREE);

	mutex_lock(&nn->pfkey->socks_lock);
	sk_add_node_rcu(sk, &nn->pfkey->socks);
	mutex_unlock(&nn->pfkey->socks_lock);
	return 0;
}

static const struct net_proto_family pfkey_family = {
	.family	= PF_KEY,
	.create	= pfkey_create,
	.owner	= THIS_MODULE,
};

int nfipsec_pfkey_net_init(struct nfipsec_net *nn)
{
	struct nfipsec_pfkey_net *pn;

	pn = kzalloc(sizeof(*pn), GFP_KERNEL);
	if (!pn)
		return -ENOMEM;
	INIT_HLIST_HEAD(&pn->socks);
	mutex_init(&pn->socks_lock);
	pn->next_reqid = IPSEC_MANUAL_REQID_MAX + 1;
	pn->nn = nn;
	INIT_DELAYED_WORK(&pn->lifetime_work, nfipsec_pfkey_lifetime_work);
	nn->pfkey = pn;
	return 0;
}

void nfipsec_pfkey_net_exit(struct nfipsec_net *nn)
{
	/* Every socket holds a reference on its namespace: none is left. */
	WARN_ON(!hlist_empty(&nn->pfkey->socks));
	cancel_delayed_work_sync(&nn->pfkey->lifetime_work);
	kfree(nn->pfkey);
	nn->pfkey = NULL;
}

int nfipsec_pfkey_init(void)
{
	int ret;

	ret = proto_register(&pfkey_proto, 0);
	if (ret)
		return ret;
	ret = sock_register(&pfkey_family);
	if (ret) {
		if (ret == -EEXIST)
			pr_err("PF_KEY is taken: af_key is loaded; unload it (rmmod af_key) before loading nfipsec\n");
		proto_unregister(&pfkey_proto);
		return ret;
	}
	nfipsec_pfkey_alg_init();
	return 0;
}

void nfipsec_pfkey_exit(void)
{
	sock_unregister(PF_KEY);
	proto_unregister(&pfkey_proto);
	nfipsec_pfkey_alg_exit();
}
