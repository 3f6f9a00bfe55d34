using System.CommandLine;
using SipDialogs.Server;

// Ctrl-C and SIGTERM are the generic host's (ConsoleLifetime): serve drains within its shutdown timeout and call
// ends its live calls and prints its summary. System.CommandLine's own handling would end the process 2 s after the
// signal, whatever was still being done.
return ServeCommand.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
