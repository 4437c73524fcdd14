#include "harness.h"

#include <lkvm/ipc.h>
#include <lkvm/ipc_path.h>
#include <lkvm/reg_set.h>

#include <errno.h>
#include <stdlib.h>

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A header from raw fields, to build what a hostile peer could send. */
static void raw_hdr(uint8_t *h, uint32_t magic, uint16_t version,
		    uint16_t type, uint32_t len, int32_t status)
{
	put32(h, magic);
	h[4] = (uint8_t)version;
	h[5] = (uint8_t)(version >> 8);
	h[6] = (uint8_t)type;
	h[7] = (uint8_t)(type >> 8);
	put32(h + 8, len);
	put32(h + 12, (uint32_t)status);
}

static void test_header_roundtrip(void)
{
	uint8_t h[IPC_HDR_SIZE];
	struct ipc_hdr d;

	ipc_hdr_encode(h, IPC_REQ_SYSRQ, 1, 0);
	/* The wire format is fixed: magic "LKVM", little-endian fields. */
	CHECK(!memcmp(h, "LKVM", 4));
	CHECK_EQ(h[4], IPC_VERSION);
	CHECK_EQ(h[6], IPC_REQ_SYSRQ);
	CHECK_EQ(h[8], 1);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), 0);
	CHECK_EQ(d.type, IPC_REQ_SYSRQ);
	CHECK_EQ(d.len, 1);

	ipc_hdr_encode(h, IPC_REP_ERROR, 5, -EINVAL);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_SERVER, &d), 0);
	CHECK_EQ(d.status, -EINVAL);
}

static void test_header_refusals(void)
{
	uint8_t h[IPC_HDR_SIZE];
	struct ipc_hdr d;

	ipc_hdr_encode(h, IPC_REQ_INFO, 0, 0);
	/* Truncated: every length short of a header asks for more. */
	for (size_t n = 0; n < IPC_HDR_SIZE; n++)
		CHECK_EQ(ipc_hdr_decode(h, n, IPC_FROM_CLIENT, &d), -EAGAIN);

	raw_hdr(h, 0x474e4142, 1, IPC_REQ_INFO, 0, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), -EBADMSG);
	raw_hdr(h, IPC_MAGIC, 2, IPC_REQ_INFO, 0, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d),
		 -EPROTONOSUPPORT);
	CHECK_EQ(d.version, 2);
	raw_hdr(h, IPC_MAGIC, 0, IPC_REQ_INFO, 0, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d),
		 -EPROTONOSUPPORT);
	/* Types: unknown ones, and replies sent by a client (and back). */
	raw_hdr(h, IPC_MAGIC, 1, 0x7f, 0, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), -EPROTO);
	raw_hdr(h, IPC_MAGIC, 1, 0, 0, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), -EPROTO);
	raw_hdr(h, IPC_MAGIC, 1, IPC_REP_INFO, 40, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), -EPROTO);
	raw_hdr(h, IPC_MAGIC, 1, IPC_REQ_STOP, 0, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_SERVER, &d), -EPROTO);
	/* Oversized and undersized payloads for the type. */
	raw_hdr(h, IPC_MAGIC, 1, IPC_REQ_INFO, 1, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), -EMSGSIZE);
	raw_hdr(h, IPC_MAGIC, 1, IPC_REQ_SYSRQ, 0xffffffff, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), -EMSGSIZE);
	raw_hdr(h, IPC_MAGIC, 1, IPC_REQ_SYSRQ, 0, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), -EMSGSIZE);
	raw_hdr(h, IPC_MAGIC, 1, IPC_REP_VCPU, IPC_REPLY_PAYLOAD_MAX + 1, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_SERVER, &d), -EMSGSIZE);
	raw_hdr(h, IPC_MAGIC, 1, IPC_REP_ERROR, IPC_ERROR_MSG_MAX + 1, -EIO);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_SERVER, &d), -EMSGSIZE);
	/* Status: only ERROR frames carry one, and it is negative. */
	raw_hdr(h, IPC_MAGIC, 1, IPC_REQ_INFO, 0, -1);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_CLIENT, &d), -EPROTO);
	raw_hdr(h, IPC_MAGIC, 1, IPC_REP_ERROR, 0, 0);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_SERVER, &d), -EPROTO);
	raw_hdr(h, IPC_MAGIC, 1, IPC_REP_END, 0, 5);
	CHECK_EQ(ipc_hdr_decode(h, sizeof(h), IPC_FROM_SERVER, &d), -EPROTO);
}

/* Feeds @len bytes to @r @step bytes at a time, as read() might. */
static int feed(struct ipc_reader *r, const uint8_t *buf, size_t len,
		size_t step, size_t *used)
{
	int ret = 0;

	*used = 0;
	while (*used < len && ret == 0) {
		uint8_t *dst;
		size_t want = ipc_reader_want(r, &dst);
		size_t n = MIN(MIN(want, step), len - *used);

		if (!want)
			break;
		memcpy(dst, buf + *used, n);
		*used += n;
		ret = ipc_reader_advance(r, n);
	}
	return ret;
}

static void test_reader(void)
{
	uint8_t stream[64];
	struct ipc_reader r;
	size_t used;

	/* A sysrq request followed by garbage: the reader stops at the frame. */
	ipc_hdr_encode(stream, IPC_REQ_SYSRQ, 1, 0);
	stream[IPC_HDR_SIZE] = 'h';
	memset(stream + IPC_HDR_SIZE + 1, 0xaa, 10);
	for (size_t step = 1; step <= 17; step++) {
		ipc_reader_init(&r, IPC_FROM_CLIENT);
		CHECK_EQ(feed(&r, stream, IPC_HDR_SIZE + 11, step, &used), 1);
		CHECK_EQ(used, IPC_HDR_SIZE + 1);
		CHECK_EQ(r.payload[0], 'h');
		ipc_reader_fini(&r);
	}
	/* Truncated: no frame, no error, still waiting. */
	ipc_reader_init(&r, IPC_FROM_CLIENT);
	CHECK_EQ(feed(&r, stream, IPC_HDR_SIZE, 3, &used), 0);
	CHECK_EQ(used, IPC_HDR_SIZE);
	ipc_reader_fini(&r);
	/* An oversized length is refused before anything is allocated. */
	raw_hdr(stream, IPC_MAGIC, 1, IPC_REP_VCPU, 0xfffffff0, 0);
	ipc_reader_init(&r, IPC_FROM_SERVER);
	CHECK_EQ(feed(&r, stream, IPC_HDR_SIZE, 16, &used), -EMSGSIZE);
	CHECK(r.payload == NULL);
	ipc_reader_fini(&r);
	/* Garbage is refused after exactly one header's worth of bytes. */
	memset(stream, 'G', sizeof(stream));
	ipc_reader_init(&r, IPC_FROM_CLIENT);
	CHECK_EQ(feed(&r, stream, sizeof(stream), 64, &used), -EBADMSG);
	CHECK_EQ(used, IPC_HDR_SIZE);
	ipc_reader_fini(&r);
}

static void test_info(void)
{
	struct ipc_info in = {
		.pid = 4242, .nr_vcpus = 3, .ram_bytes = 768ULL << 20,
		.uptime_ms = 123456789012ULL, .sve_vqs = 0x3,
		.state = IPC_STATE_PAUSED,
	};
	struct ipc_info out;
	struct ipc_buf b;
	struct ipc_hdr h;
	uint8_t *p;

	strcpy(in.name, "guest-4242");
	ipc_buf_init(&b, 4096);
	CHECK_EQ(ipc_info_append(&b, &in), 0);
	CHECK_EQ(ipc_hdr_decode(b.data, b.len, IPC_FROM_SERVER, &h), 0);
	CHECK_EQ(h.type, IPC_REP_INFO);
	CHECK_EQ(h.len + IPC_HDR_SIZE, b.len);
	p = b.data + IPC_HDR_SIZE;
	CHECK_EQ(ipc_info_decode(p, h.len, &out), 0);
	CHECK_EQ(out.pid, 4242);
	CHECK_EQ(out.nr_vcpus, 3);
	CHECK_EQ(out.ram_bytes, 768ULL << 20);
	CHECK_EQ(out.uptime_ms, 123456789012ULL);
	CHECK_EQ(out.sve_vqs, 0x3);
	CHECK_EQ(out.state, IPC_STATE_PAUSED);
	CHECK_STR(out.name, "guest-4242");

	/* Truncated and extended payloads, and a lying name length. */
	for (size_t n = 0; n < h.len; n++)
		CHECK_EQ(ipc_info_decode(p, n, &out), -EBADMSG);
	p[29] = 11;
	CHECK_EQ(ipc_info_decode(p, h.len, &out), -EBADMSG);
	p[29] = 10;
	p[28] = 9;	/* unknown state */
	CHECK_EQ(ipc_info_decode(p, h.len, &out), -EBADMSG);
	p[28] = IPC_STATE_RUNNING;
	p[IPC_INFO_FIXED + 2] = '/';	/* a name that could not be a VM's */
	CHECK_EQ(ipc_info_decode(p, h.len, &out), -EBADMSG);
	ipc_buf_free(&b);

	/* A name that does not fit is refused by the encoder. */
	memset(in.name, 'a', sizeof(in.name));
	ipc_buf_init(&b, 4096);
	CHECK(ipc_info_append(&b, &in) < 0);
	CHECK_EQ(b.len, 0);
	ipc_buf_free(&b);
}

static void test_done(void)
{
	struct ipc_done in = { .state = IPC_STATE_PAUSED, .changed = true };
	struct ipc_done out;
	struct ipc_buf b;
	uint8_t bad[4] = { IPC_STATE_RUNNING, 2, 0, 0 };

	ipc_buf_init(&b, 64);
	CHECK_EQ(ipc_done_append(&b, &in), 0);
	CHECK_EQ(b.len, IPC_HDR_SIZE + 4);
	CHECK_EQ(ipc_done_decode(b.data + IPC_HDR_SIZE, 4, &out), 0);
	CHECK_EQ(out.state, IPC_STATE_PAUSED);
	CHECK(out.changed);
	CHECK_EQ(ipc_done_decode(b.data + IPC_HDR_SIZE, 3, &out), -EBADMSG);
	CHECK_EQ(ipc_done_decode(bad, 4, &out), -EBADMSG);
	ipc_buf_free(&b);
}

static void test_vcpu_frames(void)
{
	struct reg_set in, out;
	uint8_t z[32], x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ipc_buf b;
	struct ipc_hdr h;
	uint8_t *p;

	for (unsigned int i = 0; i < sizeof(z); i++)
		z[i] = (uint8_t)i;
	reg_set_init(&in, 7);
	CHECK_EQ(reg_set_add(&in, 0x6030000000100000ULL, x, 8, 0), 0);
	CHECK_EQ(reg_set_add(&in, 0x6080000000150000ULL, z, 32, 0), 0);
	CHECK_EQ(reg_set_add(&in, 0x603000000013c000ULL, NULL, 0, EINVAL), 0);
	ipc_buf_init(&b, 1 << 20);
	CHECK_EQ(ipc_vcpu_append(&b, &in), 0);
	CHECK_EQ(ipc_hdr_decode(b.data, b.len, IPC_FROM_SERVER, &h), 0);
	CHECK_EQ(h.type, IPC_REP_VCPU);
	p = b.data + IPC_HDR_SIZE;
	CHECK_EQ(ipc_vcpu_decode(p, h.len, &out), 0);
	CHECK_EQ(out.vcpu, 7);
	CHECK_EQ(out.nr, 3);
	CHECK_EQ(out.regs[1].id, 0x6080000000150000ULL);
	CHECK_EQ(out.regs[1].len, 32);
	CHECK(!memcmp(reg_value(&out, &out.regs[1]), z, 32));
	CHECK_EQ(out.regs[2].err, EINVAL);
	CHECK_EQ(out.regs[2].len, 0);
	reg_set_free(&out);

	/* Every truncation fails; so does a byte too many. */
	for (size_t n = 0; n < h.len; n++) {
		CHECK_EQ(ipc_vcpu_decode(p, n, &out), -EBADMSG);
		reg_set_free(&out);
	}
	CHECK(b.cap > b.len);	/* room for the extra byte */
	b.data[b.len] = 0;
	CHECK_EQ(ipc_vcpu_decode(p, h.len + 1, &out), -EBADMSG);
	reg_set_free(&out);
	/* A count larger than the records present. */
	p[4] = 4;
	CHECK_EQ(ipc_vcpu_decode(p, h.len, &out), -EBADMSG);
	reg_set_free(&out);
	p[4] = 3;
	/* A value longer than any register. */
	p[8 + 8] = 0x01;
	p[8 + 9] = 0x01;	/* 257 bytes */
	CHECK_EQ(ipc_vcpu_decode(p, h.len, &out), -EBADMSG);
	reg_set_free(&out);
	/* A huge count is refused before any allocation it would drive. */
	put32(p + 4, 0xffffffff);
	CHECK_EQ(ipc_vcpu_decode(p, h.len, &out), -EBADMSG);
	reg_set_free(&out);
	ipc_buf_free(&b);
	reg_set_free(&in);
}

static void test_buf_limit(void)
{
	struct ipc_buf b;
	uint8_t big[100] = { 0 };

	ipc_buf_init(&b, 64);
	CHECK_EQ(ipc_frame_append(&b, IPC_REP_ERROR, -EIO, big, 40), 0);
	/* A frame that does not fit leaves no half frame behind. */
	CHECK_EQ(ipc_frame_append(&b, IPC_REP_ERROR, -EIO, big, 40), -ENOBUFS);
	CHECK_EQ(b.len, IPC_HDR_SIZE + 40);
	ipc_buf_free(&b);
}

static void test_error_text(void)
{
	struct ipc_buf b;
	char msg[16];

	ipc_buf_init(&b, 4096);
	CHECK_EQ(ipc_error_append(&b, -EBUSY, "%s", "busy\033[2J now"), 0);
	ipc_error_text(b.data + IPC_HDR_SIZE, b.len - IPC_HDR_SIZE, msg,
		       sizeof(msg));
	/* Control characters from a peer never reach the terminal. */
	CHECK_STR(msg, "busy?[2J now");
	ipc_error_text((const uint8_t *)"0123456789abcdefXYZ", 19, msg,
		       sizeof(msg));
	CHECK_EQ(strlen(msg), sizeof(msg) - 1);
	ipc_buf_free(&b);
}

static void test_names(void)
{
	CHECK(vm_name_valid("guest-1"));
	CHECK(vm_name_valid("a.b_c-D9"));
	CHECK(!vm_name_valid(""));
	CHECK(!vm_name_valid(".hidden"));
	CHECK(!vm_name_valid("a/b"));
	CHECK(!vm_name_valid("a b"));
	CHECK(vm_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	CHECK(!vm_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void test_sock_path(void)
{
	char path[IPC_PATH_MAX];
	char home[120];

	setenv("HOME", "/home/user", 1);
	CHECK_EQ(ipc_sock_path("vm1", path, sizeof(path)), 0);
	CHECK_STR(path, "/home/user/.lkvm/vm1.sock");
	/* A path a socket address cannot hold is refused, not cut. */
	memset(home, 'h', sizeof(home) - 1);
	home[0] = '/';
	home[sizeof(home) - 1] = '\0';
	setenv("HOME", home, 1);
	CHECK_EQ(ipc_sock_path("vm1", path, sizeof(path)), -ENAMETOOLONG);
	unsetenv("HOME");
	CHECK_EQ(ipc_sock_path("vm1", path, sizeof(path)), -ENOENT);
}

static const struct unit_test tests[] = {
	{ "ipc-header-roundtrip", test_header_roundtrip },
	{ "ipc-header-refusals", test_header_refusals },
	{ "ipc-reader", test_reader },
	{ "ipc-info", test_info },
	{ "ipc-done", test_done },
	{ "ipc-vcpu-frames", test_vcpu_frames },
	{ "ipc-buf-limit", test_buf_limit },
	{ "ipc-error-text", test_error_text },
	{ "ipc-names", test_names },
	{ "ipc-sock-path", test_sock_path },
};

UNIT_MAIN(tests)
