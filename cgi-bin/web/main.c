/* zaiko.fcgi: the FastCGI accept loop (or one plain CGI request). */
#include <fcgiapp.h>
#include <stdlib.h>
int main(void)
{
	FCGX_Init();
	FCGX_Request req;
	FCGX_InitRequest(&req, 0, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nok\n", req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
