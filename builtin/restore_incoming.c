// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm restore --incoming ADDR`: the destination of one live migration
 * (Documentation/migration.md). It listens, lets in the first source
 * that is this user (unix) and knows the token, runs every check `lkvm
 * restore` runs on the source's manifest and builds the machine (so that
 * a missing disk or a CPU this host cannot give is a no-go before any
 * memory moves), answers go or no-go, takes RAM and the state records,
 * loads them, and runs the guest only once the source has committed.
 * Anything that fails before that discards what came: the source keeps
 * the guest.
 */
#include "restore_incoming.h"

#include <lkvm/arch.h>
#include <lkvm/deadline.h>
#include <lkvm/ipc_path.h>
#include <lkvm/log.h>
#include <lkvm/migrate_dest.h>
#include <lkvm/parse.h>
#include <lkvm/restore.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * The source's machine, checked as `lkvm restore` checks a snapshot's,
 * then built (RAM empty, nothing loaded). 0, or -errno with @why: the
 * no-go the source hears.
 */
static int build(const struct incoming_args *a, struct snapshot_source *s,
		 const struct mig_reader *rd, struct vm **vmp, char *why,
		 size_t why_len)
{
	struct vm_config *cfg = a->cfg;
	int ret;

	ret = migration_parse_manifest((const char *)mig_payload(rd),
				       rd->hdr.len, s, why, why_len);
	if (!ret && s->sandbox)
		ret = parse_error(why, why_len,
				  "a sandbox's guest cannot be migrated");
	ret = ret ?: snapshot_config(s, cfg, a->ro, why, why_len);
	if (ret)
		return ret;
	if (a->name)
		cfg->name = a->name;
	ret = snapshot_check_host(s, why, why_len);
	if (ret) {
		if (ret == 1) {
			/* Room for the prefix below. */
			char reason[SVE_WHY_MAX - 64];

			snprintf(reason, sizeof(reason), "%s", why);
			snprintf(why, why_len,
				 "this host cannot run the guest as it was: %s",
				 reason);
		}
		return -EINVAL;
	}
	/* What fails while building (a disk, a NIC) is the reason too. */
	log_capture_first_error(why, why_len);
	ret = vm_create(vmp, cfg);
	log_capture_first_error(NULL, 0);
	if (ret && !why[0])
		snprintf(why, why_len, "building the machine failed: %s",
			 strerror(-ret));
	return ret;
}

/*
 * The guest is this side's now, under the source's name, which the
 * source gives up as it exits: wait for that. A source that hangs on
 * must not cost the guest: after the wait it runs under another name.
 */
static void take_over_name(struct vm_config *cfg, char *spare, size_t len)
{
	char path[IPC_PATH_MAX];
	uint32_t pid;

	if (ipc_sock_path(cfg->name, path, sizeof(path)))
		return;
	for (int ms = 0; ms < MIG_TAKEOVER_WAIT_MS; ms += 20) {
		if (ipc_probe(path, &pid) != IPC_PROBE_LIVE)
			return;
		usleep(20000);
	}
	snprintf(spare, len, "%s-migrated", cfg->name);
	pr_warn("the source still has the name %s: this guest runs as %s",
		cfg->name, spare);
	cfg->name = spare;
}

int restore_incoming(const struct incoming_args *a)
{
	struct snapshot_source s = { .ram_fd = -1 };
	struct mig_token token = { .len = 0 };
	struct migrate_dest d = { .listen_fd = -1, .fd = -1 };
	struct mig_stream st = { 0 };
	struct vm *vm = NULL;
	struct mig_addr addr;
	char spare[80];
	char why[SVE_WHY_MAX], loaded[SVE_WHY_MAX];
	int64_t t0;
	int ret, status = 1;

	if (mig_addr_parse(a->addr, &addr, why, sizeof(why))) {
		pr_err("--incoming %s", why);
		return 1;
	}
	if (a->token_file &&
	    mig_token_read(a->token_file, &token, why, sizeof(why))) {
		pr_err("--token-file %s", why);
		return 1;
	}
	if (addr.kind == MIG_ADDR_TCP && !token.len) {
		pr_err("--incoming %s: a TCP link needs --token-file, the secret the source gives too (the stream is not encrypted: see lkvm help migrate)",
		       a->addr);
		return 1;
	}
	if (migrate_dest_listen(&d, &addr, &token))
		return 1;
	pr_info("lkvm restore: waiting for a migration on %s", a->addr);
	if (migrate_dest_accept(&d))
		goto out;
	t0 = monotonic_ms();
	s.same_host = d.same_host;
	why[0] = 0;
	ret = build(a, &s, &d.rd, &vm, why, sizeof(why));
	if (migrate_dest_verdict(&d, ret ? why : NULL) && !ret) {
		pr_err("lkvm restore --incoming: the source went away after the handshake");
		goto out;
	}
	if (ret) {
		pr_err("lkvm restore --incoming: refused the migration: %s", why);
		goto out;
	}
	pr_info("lkvm restore --incoming: go: taking the guest's RAM and state");
	mig_stream_init(&st, vm->ram.host, vm->ram.size, s.page_shift);
	ret = migrate_dest_receive(&d, &st, why, sizeof(why));
	if (ret) {
		pr_err("lkvm restore --incoming: %s%s; the source keeps the guest",
		       ret == 1 ? "the source gave up: " : "", why);
		goto out;
	}
	s.state = st.state;
	s.state_len = st.state_len;
	s.nr_records = st.nr_records;
	ret = snapshot_load_records(vm, loaded, sizeof(loaded));
	if (ret)
		pr_err("lkvm restore --incoming: loading the guest's state failed: %s; the source keeps the guest",
		       loaded);
	s.state = NULL;
	if (migrate_dest_finish(&d, ret ? loaded : NULL, why, sizeof(why))) {
		if (!ret)
			pr_err("lkvm restore --incoming: %s; discarding it, the source keeps the guest",
			       why);
		goto out;
	}
	migrate_dest_close(&d);
	take_over_name(a->cfg, spare, sizeof(spare));
	pr_info("# lkvm restore --incoming %s: %s, %u vcpus, %llu MiB (%llu pages, %llu zero), received in %lld ms",
		a->addr, a->cfg->name, vm->nr_vcpus,
		(unsigned long long)(vm->ram.size >> 20),
		(unsigned long long)st.data_pages,
		(unsigned long long)st.zero_pages,
		(long long)(monotonic_ms() - t0));
	arch_log_summary(vm);
	status = vm_run(vm);
out:
	migrate_dest_close(&d);
	vm_destroy(vm);
	mig_stream_fini(&st);
	snapshot_close(&s);
	return status;
}
