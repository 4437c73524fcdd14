/*
 * A hostile virtio-9p driver. Run with `--9p DIR -n mode=none`; DIR
 * should hold a symlink "escape" to / (tests/system/scenarios/security.sh
 * sets it up). It sends 9P messages whose lengths lie (the size field,
 * string lengths, Twrite's count, Twalk's name count), names that try to
 * leave the share, answers that cannot fit, and chains too short to be a
 * request; each must get the right Rlerror or put the device in
 * DEVICE_NEEDS_RESET, and lkvm must stay up. At the end a well-formed
 * session writes "hello\n" to DIR/ok.txt, which the host checks. Prints
 * "p9evil: FAIL ..." for anything unexpected and "p9evil: done".
 */
#include "vdrv.h"

#define REQ BUF
#define RESP (BUF + 0x2000)

#define TLERROR_R 7
#define TGETATTR 24
#define TLOPEN 12
#define TLCREATE 14
#define TREAD 116
#define TWRITE 118
#define TCLUNK 120
#define TVERSION 100
#define TATTACH 104
#define TWALK 110
#define NOFID 0xffffffffU

#define EPROTO 71
#define EMSGSIZE 90
#define EINVAL 22
#define EOPNOTSUPP 95
#define ELOOP 40

static u64 dev;
static unsigned short next_idx;
static unsigned short tag = 1;
static u32 req_len;

static void put8(u8 v)
{
	*(volatile u8 *)(REQ + req_len++) = v;
}

static void put16(u32 v)
{
	put8((u8)v);
	put8((u8)(v >> 8));
}

static void put32(u32 v)
{
	put16(v & 0xffff);
	put16(v >> 16);
}

static void put64(u64 v)
{
	put32((u32)v);
	put32((u32)(v >> 32));
}

static void put_str(const char *s)
{
	u32 n = 0;

	while (s[n])
		n++;
	put16(n);
	for (u32 i = 0; i < n; i++)
		put8((u8)s[i]);
}

static u32 get(u64 addr, int bytes)
{
	u32 v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = (v << 8) | *(volatile u8 *)(addr + i);
	return v;
}

/* Starts a T-message; its size field is set by finish() unless forced. */
static void begin(u8 type)
{
	req_len = 0;
	put32(0);
	put8(type);
	put16(++tag);
}

static void set_size(u32 size)
{
	u32 saved = req_len;

	req_len = 0;
	put32(size);
	req_len = saved;
}

/* Offers REQ[0, @len) with @room writable bytes after it (none when 0). */
static u32 post(u32 len, u32 room)
{
	u32 slot = next_idx % QNUM;

	for (u32 i = 0; i < room; i += 8)
		w64(RESP + i, 0);
	put_desc(DESC, 0, REQ, len, room ? F_NEXT : 0, 1);
	put_desc(DESC, 1, RESP, room, F_WRITE, 0);
	submit(dev, 0, ++next_idx);
	return slot;
}

/* post(), then waits for the answer: its length, or -1 when none came. */
static int send_raw(u32 len, u32 room)
{
	u32 slot = post(len, room);

	if (!wait_used(next_idx))
		return -1;
	return (int)get(USED + 4 + 8 * slot + 4, 4);
}

/* Sends the message built so far; checks the answer's frame. */
static int send(u32 room)
{
	int n;

	if (!get(REQ, 4))
		set_size(req_len);
	n = send_raw(req_len, room);
	if (n < 7 || (u32)n > room || get(RESP, 4) != (u32)n ||
	    get(RESP + 5, 2) != tag) {
		fail("an answer without a proper frame or with another tag");
		return -1;
	}
	return (int)get(RESP + 4, 1);
}

static void expect_error(u32 room, u32 err, const char *what)
{
	int type = send(room);

	puts(vdrv_prefix);
	puts(what);
	if (type == TLERROR_R && (!err || get(RESP + 7, 4) == err)) {
		puts(": Rlerror ");
		put_dec(get(RESP + 7, 4));
		putc('\n');
		return;
	}
	putc('\n');
	fail(what);
}

static void expect_ok(u8 type, const char *what)
{
	if (send(4096) != type + 1)
		fail(what);
}

static void session(void)
{
	setup(dev);
	next_idx = 0;
	begin(TVERSION);
	put32(8192);
	put_str("9P2000.L");
	expect_ok(TVERSION, "Tversion");
	if (get(RESP + 7, 4) > 8192)
		fail("msize above the one asked for");
	begin(TATTACH);
	put32(0);
	put32(NOFID);
	put_str("root");
	put_str("");
	put32(0);
	expect_ok(TATTACH, "Tattach");
}

static void walk(u32 fid, u32 newfid, const char *a, const char *b)
{
	begin(TWALK);
	put32(fid);
	put32(newfid);
	put16(!!a + !!b);
	if (a)
		put_str(a);
	if (b)
		put_str(b);
}

static void lying_lengths(void)
{
	begin(TGETATTR);
	put32(0);
	put64(0x7ff);
	set_size(4000);
	expect_error(4096, EPROTO, "size field beyond the request");
	begin(TGETATTR);
	put32(0);
	put64(0x7ff);
	set_size(3);
	expect_error(4096, EPROTO, "size field below a header");
	begin(TGETATTR);
	put32(0);
	put64(0x7ff);
	set_size(0xffffffff);
	expect_error(4096, EMSGSIZE, "size field of 4 GiB");

	begin(TATTACH);
	put32(5);
	put32(NOFID);
	put16(0xffff);	/* a name far longer than the message */
	put_str("x");
	expect_error(4096, EPROTO, "string length beyond the message");

	begin(TWALK);
	put32(0);
	put32(1);
	put16(0xffff);
	put_str("a");
	expect_error(4096, EINVAL, "Twalk with 65535 names");

	walk(0, 2, 0, 0);
	expect_ok(TWALK, "Twalk clone");
	begin(TLCREATE);
	put32(2);
	put_str("f");
	put32(2);	/* O_RDWR */
	put32(0644);
	put32(0);
	expect_ok(TLCREATE, "Tlcreate f");
	begin(TWRITE);
	put32(2);
	put64(0);
	put32(0x100000);	/* a count that claims 1 MiB; 3 bytes follow */
	put8('b');
	put8('a');
	put8('d');
	expect_error(4096, EPROTO, "Twrite count beyond the message");
	begin(TREAD);
	put32(2);
	put64(0);
	put32(0x100000);
	if (send(200) < 0)	/* send() checked the answer fits in 200 */
		fail("Tread with a count larger than the room");
	begin(TCLUNK);
	put32(2);
	expect_ok(TCLUNK, "Tclunk");
}

static void bad_names(void)
{
	walk(0, 3, "..", "..");
	expect_ok(TWALK, "Twalk above the root stays at the root");
	begin(TCLUNK);
	put32(3);
	expect_ok(TCLUNK, "Tclunk");

	walk(0, 4, "escape", "etc");
	if (send(4096) != TWALK + 1 || get(RESP + 7, 2) != 1)
		fail("walk through a symlink to /");
	walk(0, 4, "escape", 0);
	expect_ok(TWALK, "walk to the symlink itself");
	begin(TLOPEN);
	put32(4);
	put32(0);
	expect_error(4096, ELOOP, "open of a symlink to /");

	begin(TLCREATE);
	put32(0);
	put_str("a/b");
	put32(0);
	put32(0644);
	put32(0);
	expect_error(4096, EINVAL, "a name with a slash");
	begin(TLCREATE);
	put32(0);
	put_str("..");
	put32(0);
	put32(0644);
	put32(0);
	expect_error(4096, EINVAL, "a name of ..");

	begin(255);
	expect_error(4096, EOPNOTSUPP, "an unknown message type");
}

static void broken_chains(void)
{
	begin(TCLUNK);
	put32(0);
	set_size(11);
	post(11, 0);
	expect_broken(dev, "a request with no room for an answer");

	session();
	post(4, 4096);
	expect_broken(dev, "a request shorter than a header");

	session();
	begin(TCLUNK);
	put32(0);
	set_size(11);
	post(11, 8);
	expect_broken(dev, "room below an Rlerror");
}

static void good_session(void)
{
	static const char text[] = "hello\n";

	session();
	walk(0, 1, 0, 0);
	expect_ok(TWALK, "Twalk clone");
	begin(TLCREATE);
	put32(1);
	put_str("ok.txt");
	put32(0101);	/* O_WRONLY | O_CREAT */
	put32(0644);
	put32(0);
	expect_ok(TLCREATE, "Tlcreate ok.txt");
	begin(TWRITE);
	put32(1);
	put64(0);
	put32(sizeof(text) - 1);
	for (u32 i = 0; i < sizeof(text) - 1; i++)
		put8((u8)text[i]);
	if (send(4096) != TWRITE + 1 || get(RESP + 7, 4) != sizeof(text) - 1)
		fail("a good Twrite after the attacks");
	begin(TCLUNK);
	put32(1);
	expect_ok(TCLUNK, "Tclunk");
}

void payload_main(u64 dtb)
{
	(void)dtb;
	vdrv_prefix = "p9evil: ";
	dev = find_device(9);
	if (!dev) {
		fail("no virtio-9p device");
		return;
	}
	session();
	lying_lengths();
	bad_names();
	broken_chains();
	good_session();
	puts(vdrv_failures ? "p9evil: finished with failures\n" : "p9evil: done\n");
}
