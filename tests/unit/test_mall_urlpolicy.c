/* Where a shop's credentials may be sent (core/mallurl): https:// to public hosts, http:// and
 * local addresses only where the configuration allows them, and the destination fingerprint
 * sealed with the credentials. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "core/mallurl.h"
#include "mall/http.h"

static void test_public_https_only(void **state)
{
	(void)state;
	char why[200];
	const char *good[] = {"", "https://api.rms.rakuten.co.jp", "https://sellingpartnerapi-fe.amazon.com/",
	                      "https://shop.myshopify.com:443/admin", "https://[2001:db8::1]/"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(mallurl_ok(good[i], false, why, sizeof(why)));
	const char *bad[] = {"http://api.rms.rakuten.co.jp", "https://127.0.0.1:8080", "https://localhost/",
	                     "https://10.1.2.3", "https://172.20.0.1", "https://192.168.1.1/",
	                     "https://169.254.169.254/latest", "https://[::1]:9/", "https://[fd00::5]/",
	                     "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/", "https://2130706433/",
	                     "https://user:pw@api.example.com/", "ftp://x", "https://", "https://a b/",
	                     "https://shop.local/", "https://100.64.1.1/"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		why[0] = '\0';
		assert_false(mallurl_ok(bad[i], false, why, sizeof(why)));
		assert_true(why[0] != '\0');
	}
	/* Test stacks and demos: the simulators on loopback over http://. */
	assert_true(mallurl_ok("http://127.0.0.1:5000", true, why, sizeof(why)));
	assert_false(mallurl_ok("https://user@127.0.0.1/", true, why, sizeof(why)));
}

static void test_destination_options_and_fingerprint(void **state)
{
	(void)state;
	char why[200], a[65], b[65], c[65];
	cJSON *o = cJSON_Parse("{\"lwa_url\":\"http://10.0.0.1/auth/o2/token\",\"seller_id\":\"X\"}");
	assert_false(mallurl_shop_ok("https://sellingpartnerapi-fe.amazon.com", o, false, why, sizeof(why)));
	assert_true(mallurl_shop_ok("https://sellingpartnerapi-fe.amazon.com", o, true, why, sizeof(why)));
	mallurl_destination("amazon", "https://sellingpartnerapi-fe.amazon.com", o, a);
	mallurl_destination("amazon", "https://sellingpartnerapi-fe.amazon.com", o, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	/* The token URL decides where the refresh token goes: it is part of the place. */
	cJSON_ReplaceItemInObject(o, "lwa_url", cJSON_CreateString("https://evil.example/token"));
	mallurl_destination("amazon", "https://sellingpartnerapi-fe.amazon.com", o, c);
	assert_string_not_equal(a, c);
	/* Other options are not. */
	cJSON_ReplaceItemInObject(o, "lwa_url", cJSON_CreateString("http://10.0.0.1/auth/o2/token"));
	cJSON_ReplaceItemInObject(o, "seller_id", cJSON_CreateString("Y"));
	mallurl_destination("amazon", "https://sellingpartnerapi-fe.amazon.com", o, c);
	assert_string_equal(a, c);
	mallurl_destination("amazon", "https://other.example", o, c);
	assert_string_not_equal(a, c);
	cJSON_Delete(o);
}

/* A listener on 127.0.0.1 (port in *port) that never answers: a connection shows in its
 * backlog whether or not anything is accepted. */
static int listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Connections that reached the listener so far (each accepted and closed). */
static int arrived(int fd)
{
	int n = 0, c;
	while ((c = accept(fd, NULL, NULL)) >= 0) {
		close(c);
		n++;
	}
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	return n;
}

/* A name other than localhost that this machine resolves to a loopback address (an
 * /etc/hosts entry such as the host's own name), or "" when there is none. */
static void loopback_name(char *out, size_t len)
{
	out[0] = '\0';
	FILE *f = fopen("/etc/hosts", "r");
	char line[512];
	while (f && !out[0] && fgets(line, sizeof(line), f)) {
		char addr[64], name[256];
		if (line[0] == '#' || sscanf(line, "%63s %255s", addr, name) != 2)
			continue;
		if (strncmp(addr, "127.", 4) || !strcasecmp(name, "localhost") ||
		    strstr(name, "localhost") || strchr(name, '.'))
			continue;
		struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
		if (getaddrinfo(name, NULL, &hints, &res) == 0) {
			const struct sockaddr_in *sa = (const struct sockaddr_in *)res->ai_addr;
			if ((ntohl(sa->sin_addr.s_addr) >> 24) == 127)
				snprintf(out, len, "%s", name);
			freeaddrinfo(res);
		}
	}
	if (f)
		fclose(f);
}

/* The literal check cannot see where a NAME leads: the HTTP client checks the address it is
 * about to connect to, so a name resolving to loopback gets no connection (and no request, no
 * credentials) unless local addresses are allowed. */
static void test_names_resolving_to_local_addresses_get_no_connection(void **state)
{
	(void)state;
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
	const char *local4[] = {"127.0.0.1", "10.0.0.8", "192.168.3.4", "169.254.169.254",
	                        "100.64.0.1", "0.0.0.0", "172.31.255.255"};
	for (size_t i = 0; i < sizeof(local4) / sizeof(*local4); i++) {
		assert_int_equal(inet_pton(AF_INET, local4[i], &v4.sin_addr), 1);
		assert_true(mallurl_sockaddr_local(&v4, sizeof(v4)));
	}
	assert_int_equal(inet_pton(AF_INET, "203.0.113.7", &v4.sin_addr), 1);
	assert_false(mallurl_sockaddr_local(&v4, sizeof(v4)));
	assert_int_equal(inet_pton(AF_INET, "172.32.0.1", &v4.sin_addr), 1);
	assert_false(mallurl_sockaddr_local(&v4, sizeof(v4)));
	const char *local6[] = {"::1", "::", "fd12::1", "fe80::1", "::ffff:10.1.1.1", "ff02::1"};
	for (size_t i = 0; i < sizeof(local6) / sizeof(*local6); i++) {
		assert_int_equal(inet_pton(AF_INET6, local6[i], &v6.sin6_addr), 1);
		assert_true(mallurl_sockaddr_local(&v6, sizeof(v6)));
	}
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr), 1);
	assert_false(mallurl_sockaddr_local(&v6, sizeof(v6)));
	assert_true(mallurl_sockaddr_local(&v4, 2)); /* too short to be an address */

	int port = 0, fd = listener(&port);
	char other[256], url[400];
	loopback_name(other, sizeof(other));
	const char *names[] = {"localhost", other[0] ? other : "localhost"};
	http_client *c = http_client_new(800, true);
	assert_non_null(c);
	for (size_t i = 0; i < 2; i++) {
		snprintf(url, sizeof(url), "http://%s:%d/token", names[i], port);
		http_request req = {.method = "POST", .url = url, .body = "secret=1", .body_len = 8};
		http_response resp = {0};
		http_allow_local(false);
		assert_int_equal(http_perform(c, &req, &resp), Z_ERR);
		assert_non_null(strstr(resp.error, "プライベート"));
		/* the refusal is zaiko's own words: its key goes with it, for the stored message */
		assert_non_null(resp.error_key);
		assert_string_equal(resp.error_key, "msg.mallerr.host_private");
		assert_int_equal(arrived(fd), 0);
		http_response_free(&resp);
		/* Allowed (the test stack's setting): the same call connects (and times out here,
		 * as the listener never answers). */
		memset(&resp, 0, sizeof(resp));
		http_allow_local(true);
		assert_int_equal(http_perform(c, &req, &resp), Z_ERR);
		assert_null(strstr(resp.error, "プライベート"));
		assert_null(resp.error_key); /* curl's own words stay as they came */
		assert_int_equal(arrived(fd), 1);
		http_response_free(&resp);
	}
	if (!other[0])
		print_message("no /etc/hosts name other than localhost resolves to 127.x here\n");
	http_client_free(c);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_https_only),
		cmocka_unit_test(test_destination_options_and_fingerprint),
		cmocka_unit_test(test_names_resolving_to_local_addresses_get_no_connection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
