using System.Buffers;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipIdsTests
{
    // RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    private const string TokenChars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~";

    // RFC 3261 §25.1: word adds these to the token characters; a Call-ID is word ["@" word].
    private const string WordOnlyChars = "()<>:\\\"/[]?{}";

    private static readonly SearchValues<char> _tokenChars = SearchValues.Create(TokenChars);

    private static readonly SearchValues<char> _wordChars = SearchValues.Create(TokenChars + WordOnlyChars);

    // Lowercase RFC 4648 base32: the alphabet of every random part.
    private static readonly SearchValues<char> _base32Chars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz234567");

    private static bool IsToken(string value) => value.Length > 0 && value.AsSpan().IndexOfAnyExcept(_tokenChars) < 0;

    private static bool IsWord(string value) => value.Length > 0 && value.AsSpan().IndexOfAnyExcept(_wordChars) < 0;

    [Fact]
    public void BranchStartsWithTheMagicCookie()
    {
        string branch = SipIds.NewBranch();

        Assert.Equal("z9hG4bK", SipIds.BranchMagicCookie);
        Assert.StartsWith(SipIds.BranchMagicCookie, branch, StringComparison.Ordinal);
    }

    [Fact]
    public void IdsHaveTheirAdvertisedLengths()
    {
        Assert.Equal(SipIds.TagLength, SipIds.NewTag().Length);
        Assert.Equal(SipIds.BranchLength, SipIds.NewBranch().Length);
        Assert.Equal(SipIds.CallIdLength, SipIds.NewCallId().Length);
        Assert.Equal(SipIds.BranchLength, SipIds.BranchMagicCookie.Length + SipIds.RandomPartLength);
    }

    [Fact]
    public void EveryCharacterOfEveryIdIsATokenCharacter()
    {
        for (int i = 0; i < 1_000; i++)
        {
            string tag = SipIds.NewTag();
            string branch = SipIds.NewBranch();
            string callId = SipIds.NewCallId();

            Assert.True(IsToken(tag), tag);
            Assert.True(IsToken(branch), branch);
            Assert.True(IsToken(callId), callId);
            Assert.True(IsWord(callId), callId);
        }
    }

    [Fact]
    public void CallIdWithHostIsRandomWordAtHost()
    {
        string callId = SipIds.NewCallId("pbx.example.com");

        int at = callId.IndexOf('@', StringComparison.Ordinal);
        Assert.Equal(SipIds.CallIdLength, at);
        Assert.True(IsWord(callId[..at]), callId);
        Assert.Equal("pbx.example.com", callId[(at + 1)..]);
    }

    [Fact]
    public void CallIdAcceptsAnIpv6ReferenceAsHost()
    {
        string callId = SipIds.NewCallId("[2001:db8::1]");

        Assert.EndsWith("@[2001:db8::1]", callId, StringComparison.Ordinal);
    }

    [Fact]
    public void CallIdRejectsAHostThatIsNotAWord()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => SipIds.NewCallId("bad host"));

        Assert.Equal("host", error.ParamName);
        Assert.Contains("index 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CallIdRejectsAnEmptyHost()
    {
        Assert.Throws<ArgumentException>(() => SipIds.NewCallId(string.Empty));
        Assert.Throws<ArgumentNullException>(() => SipIds.NewCallId(null!));
    }

    [Fact]
    public void HundredThousandIdsOfEachKindHaveNoDuplicates()
    {
        const int count = 100_000;
        var tags = new HashSet<string>(count, StringComparer.Ordinal);
        var branches = new HashSet<string>(count, StringComparer.Ordinal);
        var callIds = new HashSet<string>(count, StringComparer.Ordinal);

        for (int i = 0; i < count; i++)
        {
            Assert.True(tags.Add(SipIds.NewTag()));
            Assert.True(branches.Add(SipIds.NewBranch()));
            Assert.True(callIds.Add(SipIds.NewCallId()));
        }
    }

    [Fact]
    public async Task IdsGeneratedConcurrentlyOnSeveralThreadsHaveNoDuplicates()
    {
        const int tasks = 8;
        const int perTask = 25_000;

        // Each task draws from its own thread's block; a shared or reused block would show up as duplicates.
        Task<string[]>[] work = new Task<string[]>[tasks];
        for (int t = 0; t < tasks; t++)
        {
            work[t] = Task.Run(static () =>
            {
                string[] ids = new string[perTask];
                for (int i = 0; i < perTask; i++)
                {
                    ids[i] = (i % 2) == 0 ? SipIds.NewTag() : SipIds.NewCallId();
                }

                return ids;
            });
        }

        string[][] results = await Task.WhenAll(work).WaitAsync(TimeSpan.FromMinutes(1));

        var seen = new HashSet<string>(tasks * perTask, StringComparer.Ordinal);
        foreach (string[] ids in results)
        {
            foreach (string id in ids)
            {
                Assert.True(seen.Add(id), id);
            }
        }

        Assert.Equal(tasks * perTask, seen.Count);
    }

    [Fact]
    public async Task IdsGeneratedOnDedicatedThreadsAtOnceHaveNoDuplicates()
    {
        HashSet<string> seen = await DrawOnThreadsAtOnceAsync(threads: 4, perThread: 20_000, static _ => SipIds.NewBranch());

        Assert.Equal(80_000, seen.Count);
    }

    [Fact]
    public async Task AMillionIdsOfEveryKindFromSeveralThreadsAtOnceHaveNoDuplicate()
    {
        // Tags, branches and Call-IDs drawn in turn, their random parts compared as one set: a block shared by two
        // threads, or bytes handed out twice to two kinds, would repeat one.
        HashSet<string> seen = await DrawOnThreadsAtOnceAsync(threads: 4, perThread: 250_000, static i => (i % 3) switch
        {
            0 => SipIds.NewTag(),
            1 => SipIds.NewBranch()[SipIds.BranchMagicCookie.Length..],
            _ => SipIds.NewCallId(),
        });

        Assert.Equal(1_000_000, seen.Count);
    }

    /// <summary>
    /// Draws IDs on long-running tasks (threads of their own) released together so that their draws overlap, and fails
    /// on the first ID drawn twice.
    /// </summary>
    private static async Task<HashSet<string>> DrawOnThreadsAtOnceAsync(int threads, int perThread, Func<int, string> draw)
    {
        using var start = new ManualResetEventSlim();
        var work = new Task<string[]>[threads];
        for (int t = 0; t < threads; t++)
        {
            work[t] = Task.Factory.StartNew(
                () =>
                {
                    start.Wait();
                    string[] ids = new string[perThread];
                    for (int i = 0; i < perThread; i++)
                    {
                        ids[i] = draw(i);
                    }

                    return ids;
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        start.Set();
        string[][] results = await Task.WhenAll(work).WaitAsync(TimeSpan.FromMinutes(1));
        var seen = new HashSet<string>(threads * perThread, StringComparer.Ordinal);
        foreach (string[] ids in results)
        {
            foreach (string id in ids)
            {
                if (!seen.Add(id))
                {
                    Assert.Fail($"'{id}' was drawn twice.");
                }
            }
        }

        return seen;
    }

    [Fact]
    public void WriteTagProducesATagOfTheSameFormat()
    {
        Span<byte> destination = stackalloc byte[SipIds.TagLength + 5];

        int written = SipIds.WriteTag(destination);
        string tag = Encoding.ASCII.GetString(destination[..written]);

        Assert.Equal(SipIds.TagLength, written);
        Assert.True(IsToken(tag), tag);
        Assert.True(IsRandomPart(tag), tag);
        Assert.True(IsRandomPart(SipIds.NewTag()));
    }

    [Fact]
    public void WriteBranchProducesABranchOfTheSameFormat()
    {
        Span<byte> destination = stackalloc byte[SipIds.BranchLength];

        int written = SipIds.WriteBranch(destination);
        string branch = Encoding.ASCII.GetString(destination[..written]);

        Assert.Equal(SipIds.BranchLength, written);
        Assert.StartsWith(SipIds.BranchMagicCookie, branch, StringComparison.Ordinal);
        Assert.True(IsToken(branch), branch);
        Assert.True(IsRandomPart(branch.AsSpan(SipIds.BranchMagicCookie.Length)), branch);
        Assert.True(IsRandomPart(SipIds.NewBranch().AsSpan(SipIds.BranchMagicCookie.Length)));
    }

    [Fact]
    public void WriteCallIdProducesACallIdOfTheSameFormat()
    {
        Span<byte> destination = stackalloc byte[64];

        int written = SipIds.WriteCallId(destination);
        string callId = Encoding.ASCII.GetString(destination[..written]);

        Assert.Equal(SipIds.CallIdLength, written);
        Assert.True(IsWord(callId), callId);
        Assert.True(IsRandomPart(callId), callId);
        Assert.True(IsRandomPart(SipIds.NewCallId()));
    }

    [Fact]
    public void WriteFormsDoNotWritePastTheId()
    {
        byte[] destination = new byte[SipIds.BranchLength + 8];
        Array.Fill(destination, (byte)'#');

        int written = SipIds.WriteBranch(destination);

        Assert.All(destination[written..], b => Assert.Equal((byte)'#', b));
    }

    [Fact]
    public void WriteFormsGiveDifferentIdsEachCall()
    {
        byte[] first = new byte[SipIds.TagLength];
        byte[] second = new byte[SipIds.TagLength];

        SipIds.WriteTag(first);
        SipIds.WriteTag(second);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void WriteTagThrowsWithAClearMessageWhenTheDestinationIsTooSmall()
    {
        byte[] destination = new byte[SipIds.TagLength - 1];

        ArgumentException error = Assert.Throws<ArgumentException>(() => SipIds.WriteTag(destination));

        Assert.Equal("destination", error.ParamName);
        Assert.Contains($"{SipIds.TagLength - 1} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"needs {SipIds.TagLength} bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteBranchThrowsWithAClearMessageWhenTheDestinationIsTooSmall()
    {
        byte[] destination = new byte[SipIds.BranchLength - 1];

        ArgumentException error = Assert.Throws<ArgumentException>(() => SipIds.WriteBranch(destination));

        Assert.Equal("destination", error.ParamName);
        Assert.Contains("branch", error.Message, StringComparison.Ordinal);
        Assert.Contains($"needs {SipIds.BranchLength} bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteCallIdThrowsWithAClearMessageWhenTheDestinationIsTooSmall()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => SipIds.WriteCallId(Span<byte>.Empty));

        Assert.Equal("destination", error.ParamName);
        Assert.Contains("Call-ID", error.Message, StringComparison.Ordinal);
        Assert.Contains($"needs {SipIds.CallIdLength} bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RandomPartOfEachIdCarriesAtLeast96Bits()
    {
        // Count the symbols seen at each position over many IDs: a position that takes 2^k distinct values
        // carries k bits. A stuck or biased-to-few-values position lowers the sum.
        const int samples = 20_000;
        var symbolsAtPosition = new HashSet<char>[SipIds.RandomPartLength];
        for (int p = 0; p < symbolsAtPosition.Length; p++)
        {
            symbolsAtPosition[p] = [];
        }

        var alphabet = new HashSet<char>();
        for (int i = 0; i < samples; i++)
        {
            string randomPart = SipIds.NewBranch()[SipIds.BranchMagicCookie.Length..];
            for (int p = 0; p < randomPart.Length; p++)
            {
                symbolsAtPosition[p].Add(randomPart[p]);
                alphabet.Add(randomPart[p]);
            }
        }

        double bitsPerCharacter = Math.Log2(alphabet.Count);
        double bitsObserved = 0;
        foreach (HashSet<char> symbols in symbolsAtPosition)
        {
            bitsObserved += Math.Floor(Math.Log2(symbols.Count));
        }

        Assert.Equal(5, bitsPerCharacter);
        Assert.True(SipIds.RandomPartLength * bitsPerCharacter >= 96, $"{SipIds.RandomPartLength} × {bitsPerCharacter}");
        Assert.True(bitsObserved >= 96, $"only {bitsObserved} bits observed");
        Assert.Equal(SipIds.RandomBits, bitsObserved);
    }

    [Fact]
    public void IdsUseOneCaseSoAPeerFoldingCaseLosesNoBits()
    {
        // RFC 3261 §7.3.1 leaves parameter values case-insensitive, so a peer may fold a tag's or branch's case.
        string tag = SipIds.NewTag();
        string branch = SipIds.NewBranch()[SipIds.BranchMagicCookie.Length..];
        string callId = SipIds.NewCallId();

        Assert.Equal(tag.ToLowerInvariant(), tag);
        Assert.Equal(branch.ToLowerInvariant(), branch);
        Assert.Equal(callId.ToLowerInvariant(), callId);
    }

    // The format every random part has: RandomPartLength base32 characters.
    private static bool IsRandomPart(ReadOnlySpan<char> value) =>
        value.Length == SipIds.RandomPartLength &&
        value.IndexOfAnyExcept(_base32Chars) < 0;
}
