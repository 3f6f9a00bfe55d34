using System.CommandLine;
using SipDialogs.Server;

return ServeCommand.BuildRoot().Parse(args).Invoke();
