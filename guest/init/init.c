// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm-init: loads the modules lkvm packed, sets the clock from the RTC
 * if the kernel did not, opens the sandbox channel, mounts the 9p root
 * (and the host's "/" on /host), says "ready\n" on the channel's status
 * port and waits there for the command (lkvm may save the guest as a
 * warm template at this point and restore it for later runs), runs it
 * and reports how it ended on the status port:
 *
 *	"exit N\n"	the command exited with status N
 *	"signal N\n"	the command was killed by signal N
 *	"error TEXT\n"	the init could not run the command
 *
 * lkvm stops the guest as soon as it has the line. Only the init holds
 * the status port (a port opens once at a time), so the command's own
 * output, which goes to other ports, cannot forge it.
 */
#include "init.h"

#include "../../include/lkvm/sandbox_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long to wait for lkvm to stop the guest after the status line. */
#define REPORT_GRACE_SECONDS 10

void say(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	if (write(STDERR_FILENO, msg, (size_t)n) < 0)
		return;	/* no console: nothing else to tell */
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void power_off(void) __attribute__((noreturn));
static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Sends the one status line, then gives lkvm time to stop the guest. */
static void report(const struct ports *p, const char *line)
{
	if (p->status >= 0) {
		write_all(p->status, line, strlen(line));
		sleep(REPORT_GRACE_SECONDS);
		say("lkvm-init: lkvm did not stop the guest after the report");
	}
	power_off();
}

void fatal(const struct ports *p, const char *fmt, ...)
{
	char msg[400], line[420];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The status line is one line of printable ASCII. */
	for (char *c = msg; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	say("lkvm-init: %s", msg);
	snprintf(line, sizeof(line), "error %s\n", msg);
	sync();
	report(p, line);
	power_off();
}

/* Reads to the end: sysfs files say 4096 bytes whatever they hold. */
char *read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	bool failed = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t got;

		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);

			if (!nb) {
				failed = true;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			failed = got < 0;
			break;
		}
		n += (size_t)got;
	}
	close(fd);
	if (failed) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static const char *const env[] = {
	"PATH=" SBX_COMMAND_PATH,
	"HOME=/root",
	"USER=root",
	"LOGNAME=root",
	"SHELL=/bin/sh",
};

static char **command_env(const struct init_config *cfg)
{
	static char *out[8];
	static char term[128];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
		out[n++] = (char *)env[i];
	if (cfg->tty && cfg->term && cfg->term[0]) {
		snprintf(term, sizeof(term), "TERM=%s", cfg->term);
		out[n++] = term;
	}
	out[n] = NULL;
	return out;
}

/* The command's standard streams: the console, or the channel's ports. */
static void child_stdio(const struct init_config *cfg, const struct ports *p)
{
	if (cfg->tty) {
		int fd = open("/dev/console", O_RDWR);

		/* A session leader taking its terminal: job control works. */
		if (fd < 0 || ioctl(fd, TIOCSCTTY, 1) < 0)
			_exit(125);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
		return;
	}
	dup2(p->in >= 0 ? p->in : open("/dev/null", O_RDONLY), 0);
	dup2(p->out, 1);
	dup2(p->err, 2);
}

/* A --sandbox script runs from memory: the initramfs is gone by now. */
static void exec_script(const struct init_config *cfg, char **envp)
{
	char path[64];
	int fd = memfd_create("sandbox-script", 0);

	if (fd < 0)
		return;
	write_all(fd, cfg->script, cfg->script_len);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	fexecve(fd, (char *[]){ "sandbox-script", NULL }, envp);
	/* No "#!" line: a shell script, as shells run them. */
	if (errno == ENOEXEC)
		execve("/bin/sh", (char *[]){ "sh", path, NULL }, envp);
}

static void run_child(const struct init_config *cfg, const struct ports *p)
{
	char **envp = command_env(cfg);
	sigset_t none;
	int err;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	child_stdio(cfg, p);
	if (cfg->cwd && chdir(cfg->cwd) < 0) {
		fprintf(stderr, "lkvm-init: cannot enter %s (%s): starting in /\n",
			cfg->cwd, strerror(errno));
		if (chdir("/") < 0)
			_exit(125);
	}
	environ = envp;
	if (cfg->script) {
		exec_script(cfg, envp);
	} else {
		/*
		 * lkvm's guess spares the 9p round trips of PATH's misses;
		 * if it is wrong, the search below decides, as ever.
		 */
		if (cfg->path)
			execve(cfg->path, cfg->argv, envp);
		execvp(cfg->argv[0], cfg->argv);
	}
	err = errno;
	fprintf(stderr, "lkvm-init: %s: %s\n",
		cfg->script ? "the --sandbox script" : cfg->argv[0],
		strerror(err));
	/* As sh: 127 for a command not found, 126 for one not runnable. */
	_exit(err == ENOENT ? 127 : 126);
}

/*
 * Runs the command as a child and reaps every process until it ends;
 * then ends everything it left behind. Returns its wait status.
 */
static int run_command(const struct init_config *cfg, const struct ports *p)
{
	int status = 0, ws;
	pid_t child, pid;

	child = fork();
	if (child < 0)
		fatal(p, "cannot start the command: %s", strerror(errno));
	if (!child)
		run_child(cfg, p);
	for (;;) {
		pid = waitpid(-1, &ws, 0);
		if (pid == child) {
			status = ws;
			break;
		}
		if (pid < 0 && errno != EINTR)
			fatal(p, "lost the command: %s", strerror(errno));
	}
	/* Nothing the command started may write once it has ended. */
	kill(-1, SIGKILL);
	while (waitpid(-1, &ws, 0) > 0 || errno == EINTR)
		;
	return status;
}

static void early_mounts(void)
{
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	mount_fs("proc", "/proc", "proc", 0);
	mount_fs("sysfs", "/sys", "sysfs", 0);
	mount_fs("devtmpfs", "/dev", "devtmpfs", 0);
}

/*
 * Started as /lkvm/init of a root made by `lkvm setup` (init=/lkvm/init,
 * the root already mounted): no settings, no channel. A shell on the
 * console, the host's / on /host when shared as tag hostfs; the guest
 * powers off when the shell exits.
 */
static void interactive(void) __attribute__((noreturn));
static void interactive(void)
{
	struct init_config cfg = {
		.hostname = "lkvm",
		.host_tag = "hostfs",
		.term = "linux",
		.cwd = "/root",
		.tty = true,
		.argv = (char *[]){ "sh", "-l", NULL },
	};
	struct ports p = { -1, -1, -1, -1 };
	int ws;

	set_clock();
	setup_new_root(&cfg);
	say("lkvm-init: no sandbox settings (%s): a shell on the console; the guest powers off when it exits",
	    INIT_CONFIG);
	ws = run_command(&cfg, &p);
	say("lkvm-init: the shell exited with status %d: powering off",
	    WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	power_off();
}

int main(void)
{
	struct init_config cfg = { 0 };
	struct ports p = { -1, -1, -1, -1 };
	char line[64];
	int ws;

	if (getpid() != 1) {
		fprintf(stderr, "lkvm-init: runs as a guest's init (pid 1) only\n");
		return 1;
	}
	early_mounts();
	if (access(INIT_CONFIG, F_OK))
		interactive();
	load_config(&cfg, &p);
	load_modules(&p);
	set_clock();
	/* Every port: whether this run has a terminal is not known yet. */
	open_ports(&p, true);
	mount_root(&cfg, &p);
	setup_new_root(&cfg);
	write_all(p.status, SBX_WIRE_READY "\n", strlen(SBX_WIRE_READY) + 1);
	read_command(&cfg, &p);
	ws = run_command(&cfg, &p);
	sync();
	if (WIFSIGNALED(ws))
		snprintf(line, sizeof(line), "signal %d\n", WTERMSIG(ws));
	else
		snprintf(line, sizeof(line), "exit %d\n", WEXITSTATUS(ws));
	report(&p, line);
	return 0;
}
