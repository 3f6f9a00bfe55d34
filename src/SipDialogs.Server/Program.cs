using System.CommandLine;

var root = new RootCommand("sipdialogs: a SIP server (UAS and B2BUA) built on the SipDialogs stack.");
var serve = new Command("serve", "Run the SIP server. The transport layer lands next; until then this prints what it will do.");
serve.SetAction(_ =>
{
    Console.Error.WriteLine("sipdialogs serve: the transport layer is not built yet; nothing to listen on.");
    return 2;
});
root.Subcommands.Add(serve);
return root.Parse(args).Invoke();
