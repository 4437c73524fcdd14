// SPDX-License-Identifier: GPL-2.0
/* `lkvm sve sweep`'s report: a table for people, JSON for tools. */
#include <lkvm/json.h>
#include <lkvm/sve_sweep.h>

#include <string.h>

/* Characters of a run's last line the table shows. */
#define TABLE_LINE_MAX 60

static const char *const result_words[] = {
	[SWEEP_NOT_RUN] = "-",
	[SWEEP_PASS] = "pass",
	[SWEEP_FAIL] = "FAIL",
};

static const char *const result_json[] = {
	[SWEEP_NOT_RUN] = "not-run",
	[SWEEP_PASS] = "pass",
	[SWEEP_FAIL] = "fail",
};

struct tally {
	unsigned int passed, failed, not_run;
};

static struct tally count(const struct sweep_report *r)
{
	struct tally t = { 0 };

	for (unsigned int i = 0; i < r->nr; i++) {
		if (r->runs[i].result == SWEEP_PASS)
			t.passed++;
		else if (r->runs[i].result == SWEEP_FAIL)
			t.failed++;
		else
			t.not_run++;
	}
	return t;
}

static void print_row(FILE *f, int set_w, int status_w, const char *set,
		      const char *result, const char *status,
		      const char *time, const char *line)
{
	fprintf(f, "%-*s  %-6s  %-*s  %6s", set_w, set, result, status_w,
		status, time);
	if (line[0])
		fprintf(f, "  %.*s", TABLE_LINE_MAX, line);
	fputc('\n', f);
}

/* The failed sets separated by ';', as --sets takes them to run again. */
static void print_failed(FILE *f, const struct sweep_report *r)
{
	char s[SVE_VQSET_STR_MAX];
	bool first = true;

	for (unsigned int i = 0; i < r->nr; i++) {
		if (r->runs[i].result != SWEEP_FAIL)
			continue;
		fprintf(f, "%s%s", first ? "; failed: " : ";",
			sweep_set_text(r->runs[i].set, s, sizeof(s)));
		first = false;
	}
}

void sweep_print_table(FILE *f, const struct sweep_report *r)
{
	struct tally t = count(r);
	char set[SVE_VQSET_STR_MAX], status[64], time[32], sig[32];
	int set_w = (int)strlen("SET"), status_w = (int)strlen("STATUS");

	for (unsigned int i = 0; i < r->nr; i++) {
		sweep_set_text(r->runs[i].set, set, sizeof(set));
		sweep_run_status_text(&r->runs[i], status, sizeof(status));
		set_w = MAX(set_w, (int)strlen(set));
		status_w = MAX(status_w, (int)strlen(status));
	}
	print_row(f, set_w, status_w, "SET", "RESULT", "STATUS", "TIME",
		  "LAST LINE");
	for (unsigned int i = 0; i < r->nr; i++) {
		const struct sweep_run *run = &r->runs[i];

		if (run->result == SWEEP_NOT_RUN)
			snprintf(time, sizeof(time), "-");
		else
			snprintf(time, sizeof(time), "%.1fs", run->seconds);
		sweep_run_status_text(run, status, sizeof(status));
		print_row(f, set_w, status_w,
			  sweep_set_text(run->set, set, sizeof(set)),
			  result_words[run->result], status, time,
			  sweep_last_line(&run->output));
	}
	fprintf(f, "sweep: %u of %u sets passed", t.passed, r->nr);
	print_failed(f, r);
	if (t.not_run)
		fprintf(f, "; not run: %u", t.not_run);
	if (r->interrupted) {
		sweep_signal_name(r->interrupted, sig, sizeof(sig));
		fprintf(f, "; stopped by %s", sig);
	}
	fprintf(f, "\nlogs: %s\n", r->logs);
}

static void print_json_run(FILE *f, const struct sweep_report *r,
			   unsigned int i)
{
	const struct sweep_run *run = &r->runs[i];
	char s[SVE_VQSET_STR_MAX], sig[32], log[32];

	fprintf(f, "    {\n      \"set\": \"%s\",\n      \"max_vl\": %u,\n",
		sweep_set_text(run->set, s, sizeof(s)),
		sve_vqset_max_vq(run->set) * 128);
	fprintf(f, "      \"result\": \"%s\",\n", result_json[run->result]);
	if (run->result == SWEEP_NOT_RUN) {
		fprintf(f, "      \"exit_status\": null,\n      \"signal\": null,\n"
			   "      \"seconds\": null,\n      \"last_line\": null,\n"
			   "      \"log\": null\n    }");
		return;
	}
	if (run->exit_status < 0)
		fprintf(f, "      \"exit_status\": null,\n");
	else
		fprintf(f, "      \"exit_status\": %d,\n", run->exit_status);
	if (run->signal) {
		sweep_signal_name(run->signal, sig, sizeof(sig));
		fprintf(f, "      \"signal\": ");
		json_print_string(f, sig);
		fprintf(f, ",\n");
	} else {
		fprintf(f, "      \"signal\": null,\n");
	}
	fprintf(f, "      \"seconds\": %.3f,\n      \"last_line\": ", run->seconds);
	json_print_string(f, sweep_last_line(&run->output));
	sweep_log_name(i, run->set, log, sizeof(log));
	fprintf(f, ",\n      \"log\": ");
	json_print_string(f, log);
	fprintf(f, "\n    }");
}

void sweep_print_json(FILE *f, const struct sweep_report *r)
{
	struct tally t = count(r);
	char sig[32];

	fprintf(f, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n  \"host_vls\": ",
		SWEEP_FORMAT, SWEEP_VERSION);
	sve_vqset_write_json(f, r->host);
	fprintf(f, ",\n  \"logs\": ");
	json_print_string(f, r->logs);
	fprintf(f, ",\n  \"runs\": [\n");
	for (unsigned int i = 0; i < r->nr; i++) {
		print_json_run(f, r, i);
		fprintf(f, "%s\n", i + 1 < r->nr ? "," : "");
	}
	fprintf(f, "  ],\n  \"passed\": %u,\n  \"failed\": %u,\n  \"not_run\": %u,\n",
		t.passed, t.failed, t.not_run);
	if (r->interrupted) {
		sweep_signal_name(r->interrupted, sig, sizeof(sig));
		fprintf(f, "  \"interrupted\": ");
		json_print_string(f, sig);
		fprintf(f, ",\n");
	} else {
		fprintf(f, "  \"interrupted\": null,\n");
	}
	fprintf(f, "  \"exit_status\": %d\n}\n", sweep_exit_status(r));
}

int sweep_exit_status(const struct sweep_report *r)
{
	struct tally t = count(r);

	if (r->interrupted)
		return 128 + r->interrupted;
	return t.failed || t.not_run ? 1 : 0;
}
