/*-------------------------------------------------------------------------
 *
 * listener.c
 *	  Opening the Kafka listening sockets and accepting connections.
 *
 * kafkapg.listen_addresses is a list like PostgreSQL's listen_addresses:
 * host names or addresses, "*" for every address.  An address that cannot
 * be bound is logged and skipped (as the postmaster does); having none at
 * all is an error.  Sockets are non-blocking, close-on-exec, SO_REUSEPORT.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "utils/varlena.h"

#include "kafkapg/net/listener.h"

#define KP_LISTEN_BACKLOG 1024

static void
describe_addr(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen)
{
	char		host[NI_MAXHOST];
	char		serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
					NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(buf, "?", buflen);
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, buflen, "[%s]:%s", host, serv);
	else
		snprintf(buf, buflen, "%s:%s", host, serv);
}

/* Creates, binds and listens on one address; returns the socket or -1. */
static pgsocket
listen_one(const struct addrinfo *ai)
{
	int			one = 1;
	char		desc[NI_MAXHOST + NI_MAXSERV + 4];
	pgsocket	s;

	describe_addr(ai->ai_addr, ai->ai_addrlen, desc, sizeof(desc));
	s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   ai->ai_protocol);
	if (s < 0)
	{
		ereport(LOG, (errcode_for_socket_access(),
					  errmsg("kafkapg: could not create socket for %s: %m", desc)));
		return PGINVALID_SOCKET;
	}
	(void) setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		(void) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
		bind(s, ai->ai_addr, ai->ai_addrlen) < 0 ||
		listen(s, KP_LISTEN_BACKLOG) < 0)
	{
		ereport(LOG, (errcode_for_socket_access(),
					  errmsg("kafkapg: could not listen on %s: %m", desc)));
		close(s);
		return PGINVALID_SOCKET;
	}
	return s;
}

static void
open_host(KpListeners *ls, const char *host, int port)
{
	struct addrinfo hints;
	struct addrinfo *res;
	char		portstr[16];
	int			rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, portstr, &hints, &res);
	if (rc != 0)
	{
		ereport(LOG, (errmsg("kafkapg: could not resolve \"%s\": %s",
							 host, gai_strerror(rc))));
		return;
	}
	for (struct addrinfo *ai = res; ai != NULL && ls->n < KP_MAX_LISTENERS; ai = ai->ai_next)
	{
		pgsocket	s = listen_one(ai);

		if (s != PGINVALID_SOCKET)
			ls->socks[ls->n++] = s;
	}
	freeaddrinfo(res);
}

/*
 * Opens a listening socket for every address of the list.  Raises ERROR if
 * none could be opened.
 */
void
kp_listeners_open(KpListeners *ls, const char *addresses, int port)
{
	char	   *raw = pstrdup(addresses);
	List	   *hosts;
	ListCell   *lc;

	ls->n = 0;
	if (!SplitGUCList(raw, ',', &hosts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid list syntax in parameter \"kafkapg.listen_addresses\"")));
	foreach(lc, hosts)
		open_host(ls, (const char *) lfirst(lc), port);
	list_free(hosts);
	pfree(raw);
	if (ls->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("kafkapg: could not listen on any of \"%s\" port %d",
						addresses, port),
				 errhint("Check kafkapg.listen_addresses and kafkapg.port; the port may be in use.")));
}

void
kp_listeners_close(KpListeners *ls)
{
	for (int i = 0; i < ls->n; i++)
		close(ls->socks[i]);
	ls->n = 0;
}

/*
 * Accepts one pending connection, non-blocking with TCP_NODELAY, and
 * describes its peer.  Returns PGINVALID_SOCKET when none is pending.
 */
pgsocket
kp_listener_accept(pgsocket lsock, char *peer, size_t peerlen)
{
	struct sockaddr_storage addr;
	socklen_t	len = sizeof(addr);
	int			one = 1;
	pgsocket	s;

	s = accept4(lsock, (struct sockaddr *) &addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0)
	{
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			errno != ECONNABORTED)
			ereport(LOG, (errcode_for_socket_access(),
						  errmsg("kafkapg: could not accept connection: %m")));
		return PGINVALID_SOCKET;
	}
	(void) setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	describe_addr((struct sockaddr *) &addr, len, peer, peerlen);
	return s;
}
