#include "harness.h"

#include <lkvm/json.h>
#include <lkvm/sve_sweep.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define VQ(v) SVE_VQ_BIT(v)
#define H_VQ4 (VQ(1) | VQ(2) | VQ(3) | VQ(4))
#define H_POW2 (VQ(1) | VQ(2) | VQ(4))

static void check_mentions(const char *what, const char *err,
			   const char *mention, int line)
{
	if (!strstr(err, mention))
		check_failed(__FILE__, line, "error for '%s' is '%s', lacks '%s'",
			     what, err, mention);
}

static void bad_sets(const char *text, const char *mention, int line)
{
	struct sweep_sets s;
	char err[256] = "";

	CHECK_EQ(sweep_sets_parse(text, &s, err, sizeof(err)), -EINVAL);
	check_mentions(text, err, mention, line);
}

static void test_sets_parse(void)
{
	struct sweep_sets s;
	char err[256], many[200] = "128", long_item[300];

	CHECK(!sweep_sets_parse("all", &s, err, sizeof(err)));
	CHECK_EQ(s.kind, SWEEP_SETS_ALL);
	CHECK(!sweep_sets_parse("max-only", &s, err, sizeof(err)));
	CHECK_EQ(s.kind, SWEEP_SETS_MAX_ONLY);
	CHECK(!sweep_sets_parse("128;128-256;off;host", &s, err, sizeof(err)));
	CHECK_EQ(s.kind, SWEEP_SETS_LIST);
	CHECK_EQ(s.nr, 4);
	CHECK_STR(s.items[1], "128-256");
	CHECK_EQ(s.specs[1].kind, SVE_SPEC_SET);
	CHECK_EQ(s.specs[1].set, VQ(1) | VQ(2));
	CHECK_EQ(s.specs[2].kind, SVE_SPEC_OFF);
	CHECK_EQ(s.specs[3].kind, SVE_SPEC_HOST);
	CHECK(!sweep_sets_parse("512", &s, err, sizeof(err)));
	CHECK_EQ(s.nr, 1);

	/* Each item gets --sve-vls's own words. */
	bad_sets("128;100", "'100': SVE vector lengths are multiples of 128", __LINE__);
	bad_sets("128;512-256", "runs downwards", __LINE__);
	bad_sets("128,,256", "empty item", __LINE__);
	bad_sets("128;;256", "empty set in '128;;256'", __LINE__);
	bad_sets("128;", "empty set", __LINE__);
	bad_sets("", "empty set", __LINE__);
	bad_sets("All", "'All'", __LINE__);
	for (int i = 1; i <= SWEEP_MAX_SETS; i++)
		strcat(many, ";128");
	bad_sets(many, "more than 32 sets", __LINE__);
	memset(long_item, '1', sizeof(long_item) - 1);
	long_item[sizeof(long_item) - 1] = '\0';
	bad_sets(long_item, "too long", __LINE__);
}

static int resolve(const char *text, sve_vqset host, sve_vqset *out,
		   char *why, size_t why_len)
{
	struct sweep_sets s;

	if (sweep_sets_parse(text, &s, why, why_len))
		return -100;
	return sweep_sets_resolve(&s, host, out, why, why_len);
}

static void test_sets_resolve(void)
{
	sve_vqset out[SWEEP_MAX_SETS];
	char why[1024] = "";

	CHECK_EQ(resolve("all", H_VQ4, out, why, sizeof(why)), 4);
	CHECK_EQ(out[0], VQ(1));
	CHECK_EQ(out[1], VQ(1) | VQ(2));
	CHECK_EQ(out[2], VQ(1) | VQ(2) | VQ(3));
	CHECK_EQ(out[3], H_VQ4);
	CHECK_EQ(resolve("all", H_POW2, out, why, sizeof(why)), 3);
	CHECK_EQ(out[2], H_POW2);
	CHECK_EQ(resolve("max-only", H_POW2, out, why, sizeof(why)), 1);
	CHECK_EQ(out[0], H_POW2);
	CHECK_EQ(resolve("128-256;off;host;128", H_VQ4, out, why, sizeof(why)), 4);
	CHECK_EQ(out[0], VQ(1) | VQ(2));
	CHECK_EQ(out[1], 0);
	CHECK_EQ(out[2], H_VQ4);
	CHECK_EQ(out[3], VQ(1));

	/* The whole list is refused for one impossible set, in run's words. */
	CHECK_EQ(resolve("128;128,512", H_VQ4, out, why, sizeof(why)), -EINVAL);
	check_mentions("128;128,512", why,
		       "--sve-vls=128,512 is not possible on this host: KVM cannot hide 256 and 384 below 512 (host offers 128,256,384,512). Possible sets: 128 | 128,256 | 128,256,384 | 128,256,384,512",
		       __LINE__);
	CHECK_EQ(resolve("128,256;128-384", H_POW2, out, why, sizeof(why)), -EINVAL);
	check_mentions("128-384", why,
		       "--sve-vls=128-384 is not possible on this host: the host has no 384-bit vectors",
		       __LINE__);
}

static void test_classify(void)
{
	struct sweep_run run = { 0 };
	char text[64];

	sweep_run_status_text(&run, text, sizeof(text));
	CHECK_STR(text, "not run");

	sweep_run_classify(&run, false, 0);
	CHECK_EQ(run.result, SWEEP_PASS);
	CHECK_EQ(run.signal, 0);
	sweep_run_status_text(&run, text, sizeof(text));
	CHECK_STR(text, "exit 0");

	sweep_run_classify(&run, false, 1);
	CHECK_EQ(run.result, SWEEP_FAIL);
	CHECK_EQ(run.exit_status, 1);
	sweep_run_status_text(&run, text, sizeof(text));
	CHECK_STR(text, "exit 1");

	/* lkvm sandbox's 128 + N: a command killed by signal N. */
	sweep_run_classify(&run, false, 137);
	CHECK_EQ(run.result, SWEEP_FAIL);
	CHECK_EQ(run.signal, 9);
	sweep_run_status_text(&run, text, sizeof(text));
	CHECK_STR(text, "exit 137 (SIGKILL)");
	sweep_run_classify(&run, false, 128);
	CHECK_EQ(run.signal, 0);
	sweep_run_classify(&run, false, 193);
	CHECK_EQ(run.signal, 0);

	sweep_run_classify(&run, false, 125);
	sweep_run_status_text(&run, text, sizeof(text));
	CHECK_STR(text, "exit 125 (not started)");
	sweep_run_classify(&run, false, 255);
	sweep_run_status_text(&run, text, sizeof(text));
	CHECK_STR(text, "exit 255 (no status)");

	/* lkvm sandbox itself killed. */
	sweep_run_classify(&run, true, 11);
	CHECK_EQ(run.result, SWEEP_FAIL);
	CHECK_EQ(run.exit_status, -1);
	CHECK_EQ(run.signal, 11);
	sweep_run_status_text(&run, text, sizeof(text));
	CHECK_STR(text, "killed (SIGSEGV)");
}

static void feed(struct sweep_last_line *l, const char *s)
{
	sweep_last_line_feed(l, s, strlen(s));
}

static void test_last_line(void)
{
	struct sweep_last_line l = { 0 };
	char big[300];

	CHECK_STR(sweep_last_line(&l), "");
	feed(&l, "first\nsecond\n");
	CHECK_STR(sweep_last_line(&l), "second");
	feed(&l, "\n  \n\r\n");
	CHECK_STR(sweep_last_line(&l), "second");
	feed(&l, "thi");
	CHECK_STR(sweep_last_line(&l), "thi");
	feed(&l, "rd\r\n");
	CHECK_STR(sweep_last_line(&l), "third");
	feed(&l, "  ");
	CHECK_STR(sweep_last_line(&l), "third");
	feed(&l, "\n");
	/* Progress bars rewrite their line with '\r': the last state counts. */
	feed(&l, "10%\r50%\r100%\r");
	CHECK_STR(sweep_last_line(&l), "100%");
	/* Safe on a terminal and in JSON. */
	sweep_last_line_feed(&l, "a\x1b[31mb\tc\xff\0d\n", 13);
	CHECK_STR(sweep_last_line(&l), "a?[31mb c??d");
	memset(big, 'z', sizeof(big));
	sweep_last_line_feed(&l, big, sizeof(big));
	feed(&l, "\n");
	CHECK_EQ(strlen(sweep_last_line(&l)), SWEEP_LINE_MAX);
	CHECK_EQ(sweep_last_line(&l)[0], 'z');
}

static void test_names(void)
{
	char buf[64];

	sweep_log_name(0, VQ(1), buf, sizeof(buf));
	CHECK_STR(buf, "01-128.log");
	sweep_log_name(3, H_VQ4, buf, sizeof(buf));
	CHECK_STR(buf, "04-128,256,384,512.log");
	sweep_log_name(11, 0, buf, sizeof(buf));
	CHECK_STR(buf, "12-off.log");
	sweep_signal_name(2, buf, sizeof(buf));
	CHECK_STR(buf, "SIGINT");
	sweep_signal_name(40, buf, sizeof(buf));
	CHECK_STR(buf, "signal 40");
}

/* The {128,256,384,512} host's sweep where only 512 fails. */
static void vq4_runs(struct sweep_run runs[4])
{
	static const char *const out[] = { "vl=128\n", "vl=256\n", "vl=384\n",
					   "vl=512\nbroken at 512\n" };

	memset(runs, 0, 4 * sizeof(*runs));
	for (unsigned int i = 0; i < 4; i++) {
		runs[i].set = H_VQ4 & (VQ(i + 2) - 1);
		runs[i].seconds = 8.04 + i;
		feed(&runs[i].output, out[i]);
		sweep_run_classify(&runs[i], false, i == 3);
	}
}

static char *table(const struct sweep_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sweep_print_table(f, r);
	fclose(f);
	return buf;
}

static void test_table(void)
{
	struct sweep_run runs[4];
	struct sweep_report r = { .host = H_VQ4, .logs = "/tmp/sweep-logs",
				  .runs = runs, .nr = 4 };
	char *text;

	vq4_runs(runs);
	text = table(&r);
	CHECK_STR(text,
		  "SET              RESULT  STATUS    TIME  LAST LINE\n"
		  "128              pass    exit 0    8.0s  vl=128\n"
		  "128,256          pass    exit 0    9.0s  vl=256\n"
		  "128,256,384      pass    exit 0   10.0s  vl=384\n"
		  "128,256,384,512  FAIL    exit 1   11.0s  broken at 512\n"
		  "sweep: 3 of 4 sets passed; failed: 128,256,384,512\n"
		  "logs: /tmp/sweep-logs\n");
	free(text);

	/* --fail-fast after 128 failed, then Ctrl-C: the rest did not run. */
	memset(runs, 0, sizeof(runs));
	runs[0].set = VQ(1);
	runs[1].set = VQ(1) | VQ(2);
	runs[2].set = 0;
	sweep_run_classify(&runs[0], false, 137);
	sweep_run_classify(&runs[1], false, 130);
	r.nr = 3;
	r.interrupted = 2;
	text = table(&r);
	CHECK_STR(text,
		  "SET      RESULT  STATUS                TIME  LAST LINE\n"
		  "128      FAIL    exit 137 (SIGKILL)    0.0s\n"
		  "128,256  FAIL    exit 130 (SIGINT)     0.0s\n"
		  "off      -       not run                  -\n"
		  "sweep: 0 of 3 sets passed; failed: 128;128,256; not run: 1; stopped by SIGINT\n"
		  "logs: /tmp/sweep-logs\n");
	free(text);
}

static struct json_value *json_of(const struct sweep_report *r)
{
	struct json_value *doc = NULL;
	char *buf = NULL, err[160];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sweep_print_json(f, r);
	fclose(f);
	if (json_parse(buf, len, &doc, err, sizeof(err)))
		check_failed(__FILE__, __LINE__, "not JSON (%s): %s", err, buf);
	free(buf);
	return doc;
}

static const struct json_value *run_field(const struct json_value *doc,
					  unsigned int i, const char *key)
{
	const struct json_value *runs = json_get(doc, "runs");

	if (!runs || runs->type != JSON_ARRAY || i >= runs->count)
		return NULL;
	return json_get(&runs->items[i], key);
}

static void test_json(void)
{
	struct sweep_run runs[4];
	struct sweep_report r = { .host = H_VQ4, .logs = "/tmp/\"logs\"",
				  .runs = runs, .nr = 4 };
	struct json_value *doc;
	const struct json_value *v;

	vq4_runs(runs);
	runs[1].output = (struct sweep_last_line){ 0 };
	feed(&runs[1].output, "say \"\\\" \n");
	doc = json_of(&r);
	CHECK(doc);
	CHECK_STR(json_get(doc, "format")->string, SWEEP_FORMAT);
	CHECK_EQ(json_get(doc, "version")->number, SWEEP_VERSION);
	CHECK_EQ(json_get(doc, "host_vls")->count, 4);
	CHECK_EQ(json_get(doc, "host_vls")->items[3].number, 512);
	CHECK_STR(json_get(doc, "logs")->string, "/tmp/\"logs\"");
	CHECK_EQ(json_get(doc, "runs")->count, 4);
	CHECK_STR(run_field(doc, 0, "set")->string, "128");
	CHECK_EQ(run_field(doc, 0, "max_vl")->number, 128);
	CHECK_STR(run_field(doc, 0, "result")->string, "pass");
	CHECK_EQ(run_field(doc, 0, "signal")->type, JSON_NULL);
	CHECK_STR(run_field(doc, 1, "last_line")->string, "say \"\\\" ");
	CHECK_STR(run_field(doc, 2, "log")->string, "03-128,256,384.log");
	CHECK_STR(run_field(doc, 3, "result")->string, "fail");
	CHECK_EQ(run_field(doc, 3, "exit_status")->number, 1);
	CHECK_EQ(run_field(doc, 3, "seconds")->number, 11.04);
	CHECK_EQ(json_get(doc, "passed")->number, 3);
	CHECK_EQ(json_get(doc, "failed")->number, 1);
	CHECK_EQ(json_get(doc, "not_run")->number, 0);
	CHECK_EQ(json_get(doc, "interrupted")->type, JSON_NULL);
	CHECK_EQ(json_get(doc, "exit_status")->number, 1);
	json_free(doc);

	/* Killed, not run, interrupted. */
	memset(runs, 0, sizeof(runs));
	runs[0].set = 0;
	runs[1].set = VQ(1);
	sweep_run_classify(&runs[0], true, 9);
	r.nr = 2;
	r.interrupted = 15;
	doc = json_of(&r);
	CHECK(doc);
	CHECK_STR(run_field(doc, 0, "set")->string, "off");
	CHECK_EQ(run_field(doc, 0, "max_vl")->number, 0);
	CHECK_EQ(run_field(doc, 0, "exit_status")->type, JSON_NULL);
	CHECK_STR(run_field(doc, 0, "signal")->string, "SIGKILL");
	CHECK_STR(run_field(doc, 1, "result")->string, "not-run");
	v = run_field(doc, 1, "seconds");
	CHECK(v && v->type == JSON_NULL);
	CHECK_STR(json_get(doc, "interrupted")->string, "SIGTERM");
	CHECK_EQ(json_get(doc, "exit_status")->number, 143);
	json_free(doc);
}

static void test_exit_status(void)
{
	struct sweep_run runs[4];
	struct sweep_report r = { .host = H_VQ4, .logs = "x", .runs = runs,
				  .nr = 4 };

	vq4_runs(runs);
	CHECK_EQ(sweep_exit_status(&r), 1);
	sweep_run_classify(&runs[3], false, 0);
	CHECK_EQ(sweep_exit_status(&r), 0);
	/* --fail-fast leaves runs out: not a pass. */
	runs[3].result = SWEEP_NOT_RUN;
	CHECK_EQ(sweep_exit_status(&r), 1);
	r.interrupted = 2;
	CHECK_EQ(sweep_exit_status(&r), 130);
}

static const struct unit_test tests[] = {
	{ "sets_parse", test_sets_parse },
	{ "sets_resolve", test_sets_resolve },
	{ "classify", test_classify },
	{ "last_line", test_last_line },
	{ "names", test_names },
	{ "table", test_table },
	{ "json", test_json },
	{ "exit_status", test_exit_status },
};

UNIT_MAIN(tests)
