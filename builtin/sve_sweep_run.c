// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm sve sweep`'s runs: each a child `lkvm sandbox --sve-vls=SET`
 * (this binary again, through /proc/self/exe) with standard input
 * /dev/null and its output on a pipe that the sweep copies to the set's
 * log. A signalfd tells the sweep that the run ended (SIGCHLD) or that
 * it must stop (SIGINT, SIGTERM, SIGHUP: passed on to the run).
 */
#include "sve_sweep_run.h"

#include <lkvm/log.h>
#include <lkvm/sandbox.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child's side: become `lkvm sandbox --sve-vls=SET ...`. */
static void __attribute__((noreturn))
exec_run(const struct sweep *sw, int out_fd, pid_t sweep_pid)
{
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	sigprocmask(SIG_SETMASK, &sw->old_mask, NULL);
	/* A sweep killed outright must not leave its guest running. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != sweep_pid)
		_exit(SANDBOX_EXIT_SETUP);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0)
		_exit(SANDBOX_EXIT_SETUP);
	execv("/proc/self/exe", sw->child_argv);
	dprintf(STDERR_FILENO, "lkvm: error: sve sweep: cannot run /proc/self/exe: %s\n",
		strerror(errno));
	_exit(SANDBOX_EXIT_SETUP);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One run's output on its way to the log. */
struct pump {
	const struct sweep *sw;
	int out_fd;		/* the read end of the child's stdout/stderr */
	int log_fd;
	const char *log_name;
	bool log_failed;
	struct sweep_run *run;
};

/* Copies what the run has written so far; false at its end. */
static bool copy_output(struct pump *p)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(p->out_fd, buf, sizeof(buf));
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (!n)
			return false;
		sweep_last_line_feed(&p->run->output, buf, (size_t)n);
		ret = write_all(p->log_fd, buf, (size_t)n);
		if (ret && !p->log_failed) {
			pr_warn("sve sweep: %s: %s: the log is incomplete",
				p->log_name, strerror(-ret));
			p->log_failed = true;
		}
		if (p->sw->opts.verbose)
			write_all(STDERR_FILENO, buf, (size_t)n);
	}
}

/*
 * Reads the signals that arrived: SIGCHLD reaps @pid when it has ended
 * (*@wstatus; returns true), the others are passed on to it and recorded
 * in *@stop. @pid 0: no run is going on.
 */
static bool take_signals(const struct sweep *sw, pid_t pid, int *wstatus,
			 int *stop)
{
	struct signalfd_siginfo si;
	bool ended = false;

	while (read(sw->sigfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig != SIGCHLD) {
			*stop = sig;
			if (pid)
				kill(pid, sig);
		} else if (pid && waitpid(pid, wstatus, WNOHANG) == pid) {
			ended = true;
		}
	}
	return ended;
}

/*
 * Until the run has ended: its output to the log, signals passed on.
 * Then what is left in the pipe. Returns the wait status.
 */
static int follow_run(struct pump *p, pid_t pid, int *stop)
{
	struct pollfd fds[] = {
		{ .fd = p->out_fd, .events = POLLIN },
		{ .fd = p->sw->sigfd, .events = POLLIN },
	};
	bool open = true, ended = false;
	int wstatus = 0;

	/* Output can outlive the run (a daemon it started): stop at its end. */
	while (!ended) {
		fds[0].fd = open ? p->out_fd : -1;
		if (poll(fds, ARRAY_SIZE(fds), -1) < 0 && errno != EINTR) {
			while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (fds[1].revents)
			ended = take_signals(p->sw, pid, &wstatus, stop);
		if (open && fds[0].revents)
			open = copy_output(p);
	}
	if (open)
		copy_output(p);
	return wstatus;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* A run that could not be started: an error line, in the table too. */
static void run_not_started(struct sweep_run *run, const char *what, int err)
{
	char line[SWEEP_LINE_MAX];

	snprintf(line, sizeof(line), "lkvm: error: sve sweep: %s: %s", what,
		 strerror(err));
	fprintf(stderr, "%s\n", line);
	sweep_last_line_feed(&run->output, line, strlen(line));
	sweep_run_classify(run, false, SANDBOX_EXIT_SETUP);
}

/* Runs one set; returns the signal that asks the sweep to stop, or 0. */
static int run_set(struct sweep *sw, unsigned int index, struct sweep_run *run)
{
	char log_name[SVE_VQSET_STR_MAX + 16], vls[SVE_VQSET_STR_MAX + 16];
	char set[SVE_VQSET_STR_MAX];
	struct pump p = { .sw = sw, .log_name = log_name, .run = run };
	struct timespec start;
	int pipe_fds[2], stop = 0, wstatus;
	pid_t pid, sweep_pid = getpid();

	sweep_log_name(index, run->set, log_name, sizeof(log_name));
	snprintf(vls, sizeof(vls), "--sve-vls=%s",
		 sweep_set_text(run->set, set, sizeof(set)));
	sw->child_argv[SWEEP_CHILD_VLS_ARG] = vls;
	clock_gettime(CLOCK_MONOTONIC, &start);
	p.log_fd = openat(sw->logs_fd, log_name,
			  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (p.log_fd < 0) {
		run_not_started(run, log_name, errno);
		return 0;
	}
	if (pipe2(pipe_fds, O_CLOEXEC)) {
		run_not_started(run, "pipe", errno);
		close(p.log_fd);
		return 0;
	}
	pid = fork();
	if (!pid)
		exec_run(sw, pipe_fds[1], sweep_pid);
	close(pipe_fds[1]);
	p.out_fd = pipe_fds[0];
	if (pid < 0) {
		run_not_started(run, "fork", errno);
	} else {
		fcntl(p.out_fd, F_SETFL, O_NONBLOCK);
		wstatus = follow_run(&p, pid, &stop);
		run->seconds = seconds_since(&start);
		if (WIFSIGNALED(wstatus))
			sweep_run_classify(run, true, WTERMSIG(wstatus));
		else
			sweep_run_classify(run, false, WEXITSTATUS(wstatus));
	}
	close(p.out_fd);
	close(p.log_fd);
	return stop;
}

/* On a terminal one line per set, rewritten when the run ends. */
static void progress(const struct sweep *sw, unsigned int i, unsigned int nr,
		     const struct sweep_run *run)
{
	char set[SVE_VQSET_STR_MAX], status[64];
	bool rewrite = sw->tty && !sw->opts.verbose;

	sweep_set_text(run->set, set, sizeof(set));
	if (run->result == SWEEP_NOT_RUN) {
		if (rewrite || sw->opts.verbose)
			fprintf(stderr, "sweep [%u/%u] %s: running...%s", i + 1,
				nr, set, rewrite ? "" : "\n");
		return;
	}
	sweep_run_status_text(run, status, sizeof(status));
	fprintf(stderr, "%ssweep [%u/%u] %s: %s (%s, %.1fs)\n",
		rewrite ? "\r\033[K" : "", i + 1, nr, set,
		run->result == SWEEP_PASS ? "pass" : "FAIL", status,
		run->seconds);
}

int sweep_take_over_signals(struct sweep *sw)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &sw->old_mask);
	sw->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sw->sigfd < 0) {
		pr_err("sve sweep: signalfd: %s", strerror(errno));
		return EXIT_SWEEP_USAGE;
	}
	return 0;
}

int sweep_run_all(struct sweep *sw, struct sweep_run *runs, unsigned int nr)
{
	int stop = 0;

	for (unsigned int i = 0; i < nr && !stop; i++) {
		int status;

		take_signals(sw, 0, &status, &stop);
		if (stop)
			break;
		progress(sw, i, nr, &runs[i]);
		stop = run_set(sw, i, &runs[i]);
		progress(sw, i, nr, &runs[i]);
		if (runs[i].result == SWEEP_FAIL && sw->opts.fail_fast)
			break;
	}
	return stop;
}
