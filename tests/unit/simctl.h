/* simctl: starts a mall simulator (tests/sim/NAME_sim.py) on a free loopback port for a C
 * test, talks to its /_control interface, and stops it. Header-only, for tests. */
#ifndef ZAIKO_SIMCTL_H
#define ZAIKO_SIMCTL_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/buf.h"
#include "mall/http.h"

typedef struct {
	pid_t pid;
	int port;
	char base[64];      /* http://127.0.0.1:PORT */
	http_client *http;
} sim;

/* Starts tests/sim/<name>_sim.py (the tests run from the repository root). 0 on success. */
static inline int sim_start(sim *s, const char *name)
{
	char script[256], portfile[256];
	snprintf(script, sizeof(script), "tests/sim/%s_sim.py", name);
	snprintf(portfile, sizeof(portfile), "/tmp/zaiko-sim-%s-%d.port", name, (int)getpid());
	unlink(portfile);
	memset(s, 0, sizeof(*s));
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		execl("/usr/bin/python3", "python3", script, "--port", "0", "--port-file", portfile,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(portfile, "r");
		if (f) {
			int ok = fscanf(f, "%d", &s->port) == 1;
			fclose(f);
			unlink(portfile);
			if (ok) {
				snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
				http_allow_local(true); /* the simulators listen on loopback */
				s->http = http_client_new(10000, true);
				return 0;
			}
		}
		usleep(25000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	return -1;
}

static inline void sim_stop(sim *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	http_client_free(s->http);
	s->pid = 0;
}

/* POSTs json to /_control/<what> (GET when json is NULL); the reply body lands in out
 * (may be NULL). Returns the HTTP status. */
static inline int sim_control(sim *s, const char *what, const char *json, buf *out)
{
	char url[256];
	snprintf(url, sizeof(url), "%s/_control/%s", s->base, what);
	const char *headers[] = {"Content-Type: application/json", NULL};
	http_request req = {json ? "POST" : "GET", url, headers, json, json ? strlen(json) : 0, 0};
	http_response resp;
	memset(&resp, 0, sizeof(resp));
	int rc = http_perform(s->http, &req, &resp);
	int status = rc == Z_OK ? resp.status : 0;
	if (out) {
		buf_reset(out);
		buf_append(out, resp.body.data ? resp.body.data : "", resp.body.len);
	}
	http_response_free(&resp);
	return status;
}

#endif
