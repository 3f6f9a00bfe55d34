using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Runtime;

namespace SipDialogs.Benchmarks;

/// <summary>
/// The dialog store at scale: 1,000,000 confirmed dialogs, each made the way a UAS makes it, from a parsed INVITE
/// (random Call-ID and tags, two Record-Route entries, a Contact) and the 200 it answers with, held in a store of two
/// shards. Setup prints the managed heap each dialog costs, store included (GC.GetTotalMemory after a full collection,
/// before and after filling). Lookups go in a shuffled order, as calls arrive, with keys in their own arrays (as a
/// received message's bytes are), so the table's memory is read cold, not from cache. One thread looking up both
/// shards' dialogs is the baseline; two threads, each on its own shard's dialogs, do the same work in parallel.
/// </summary>
/// <remarks>
/// Cold and warm are reported apart. Cold (<see cref="OneThread"/>, <see cref="TwoThreads"/>,
/// <see cref="OneThreadBySpans"/>): each lookup is of a random one of the million, so it pays for memory that no cache
/// holds; one shard's keys, then the other's, as a shard's thread only ever reads its own table. Warm (<see cref="OneThreadWarm"/>, <see cref="OneThreadWarmBySpans"/>): lookups cycle over 4,096 dialogs
/// only (the calls active right now), whose entries stay in cache: the store's own cost. The by-identifier methods
/// take a <see cref="DialogId"/>, which carries its Call-ID's hash; the by-spans methods pass a received request's
/// three parts, so they include hashing the Call-ID.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class DialogStoreBenchmarks
{
    private const int DialogCount = 1_000_000;
    private const int LookupsPerThread = 1 << 16;
    private const int WarmSet = 4096;
    private const string LocalContact = "<sip:uas@192.0.2.10:5060;transport=tcp>";

    private ShardSet _shards = null!;
    private ShardedDialogStore _store = null!;
    private DialogId[] _all = [];
    private DialogId[][] _byShard = [];
    private int _next;
    private Thread _worker = null!;
    private readonly SemaphoreSlim _workerGo = new(0);
    private readonly SemaphoreSlim _workerDone = new(0);
    private volatile bool _stopping;
    private DialogId[] _workerKeys = [];
    private int _workerStart;
    private int _workerFound;

    [GlobalSetup]
    public void Setup()
    {
        _shards = new ShardSet(new ShardOptions { ShardCount = 2 });
        var ids = new DialogId[DialogCount];
        var random = new Random(3261);

        long before = GC.GetTotalMemory(forceFullCollection: true);
        _store = new ShardedDialogStore(_shards);
        for (int i = 0; i < DialogCount; i++)
        {
            SipRequest invite = Invite(SipIds.NewCallId("client.atlanta.example.com"), SipIds.NewTag(), i);
            if (!Dialog.TryCreateAsUas(invite, 200, SipIds.NewTag(), LocalContact, overTls: false, out Dialog? dialog) || !_store.TryAdd(dialog))
            {
                throw new InvalidOperationException("A benchmark dialog could not be made.");
            }

            ids[i] = dialog.Id;
        }

        long after = GC.GetTotalMemory(forceFullCollection: true);

        // The array of identifiers shares their bytes with the dialogs; only its own slots are not the store's.
        long perDialog = (after - before - ((long)Unsafe.SizeOf<DialogId>() * DialogCount)) / DialogCount;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"// DialogStore: {_store.Count:N0} confirmed dialogs held, {perDialog} bytes of managed heap per dialog (store included); shard counts {_store.GetCount(0):N0} + {_store.GetCount(1):N0}"));

        // Lookup keys: copies (as if read from received messages), shuffled, and grouped by shard for the two threads.
        random.Shuffle(ids);
        _all = new DialogId[DialogCount];
        var shard0 = new List<DialogId>(DialogCount / 2 + 10_000);
        var shard1 = new List<DialogId>(DialogCount / 2 + 10_000);
        for (int i = 0; i < DialogCount; i++)
        {
            var copy = new DialogId(ids[i].CallIdBytes, ids[i].LocalTagBytes, ids[i].RemoteTagBytes);
            _all[i] = copy;
            (_shards.GetShardIndex(copy.CallIdBytes) == 0 ? shard0 : shard1).Add(copy);
        }

        _byShard = [[.. shard0], [.. shard1]];
        _worker = new Thread(WorkerLoop) { IsBackground = true, Name = "dialog-lookups" };
        _worker.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _workerGo.Release();
        _worker.Join();
        _shards.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>One thread: 2 × 65,536 lookups by identifier over both shards' dialogs.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 2 * LookupsPerThread)]
    public int OneThread()
    {
        int start = Advance();
        return LookUp(_byShard[0], start) + LookUp(_byShard[1], start);
    }

    /// <summary>Two threads at once, each doing 65,536 lookups on its own shard's dialogs.</summary>
    [Benchmark(OperationsPerInvoke = 2 * LookupsPerThread)]
    public int TwoThreads()
    {
        int start = Advance();
        _workerKeys = _byShard[1];
        _workerStart = start;
        _workerGo.Release();
        int found = LookUp(_byShard[0], start);
        _workerDone.Wait();
        return found + _workerFound;
    }

    /// <summary>
    /// One thread: the lookups of <see cref="OneThread"/> by the three parts as spans, as from a received request's
    /// Call-ID, To and From tags: the same keys in the same order, so the difference is the path, not the memory.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 2 * LookupsPerThread)]
    public int OneThreadBySpans()
    {
        int start = Advance();
        return LookUpBySpans(_byShard[0], start) + LookUpBySpans(_byShard[1], start);
    }

    /// <summary>
    /// One thread: the same lookups over 4,096 dialogs only (the calls active right now), whose entries stay in
    /// cache: the store's own cost, without the memory latency of a cold table.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 2 * LookupsPerThread)]
    public int OneThreadWarm()
    {
        DialogId[] keys = _all;
        int found = 0;
        for (int i = 0; i < 2 * LookupsPerThread; i++)
        {
            if (_store.TryGet(keys[i % WarmSet], out _))
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>The warm lookups by the three parts as spans: the store's own cost with hashing the Call-ID.</summary>
    [Benchmark(OperationsPerInvoke = 2 * LookupsPerThread)]
    public int OneThreadWarmBySpans()
    {
        DialogId[] keys = _all;
        int found = 0;
        for (int i = 0; i < 2 * LookupsPerThread; i++)
        {
            DialogId key = keys[i % WarmSet];
            if (_store.TryGet(key.CallIdBytes, key.LocalTagBytes, key.RemoteTagBytes, out _))
            {
                found++;
            }
        }

        return found;
    }

    private int Advance()
    {
        int start = _next;
        _next = (start + 2 * LookupsPerThread) % (DialogCount / 2);
        return start;
    }

    private int LookUp(DialogId[] keys, int start)
    {
        int found = 0;
        for (int i = 0; i < LookupsPerThread; i++)
        {
            if (_store.TryGet(keys[(start + i) % keys.Length], out _))
            {
                found++;
            }
        }

        return found;
    }

    private int LookUpBySpans(DialogId[] keys, int start)
    {
        int found = 0;
        for (int i = 0; i < LookupsPerThread; i++)
        {
            DialogId key = keys[(start + i) % keys.Length];
            if (_store.TryGet(key.CallIdBytes, key.LocalTagBytes, key.RemoteTagBytes, out _))
            {
                found++;
            }
        }

        return found;
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _workerGo.Wait();
            if (_stopping)
            {
                return;
            }

            _workerFound = LookUp(_workerKeys, _workerStart);
            _workerDone.Release();
        }
    }

    /// <summary>An INVITE as a UAS behind two record-routing proxies receives it.</summary>
    private static SipRequest Invite(string callId, string fromTag, int n)
    {
        string text = string.Create(CultureInfo.InvariantCulture, $"""
            INVITE sip:uas@192.0.2.10:5060 SIP/2.0
            Via: SIP/2.0/TCP edge.example.net:5060;branch=z9hG4bK{fromTag}
            Max-Forwards: 68
            Record-Route: <sip:edge.example.net;lr>, <sip:core.example.org;lr>
            From: "Caller {n}" <sip:caller{n}@example.org>;tag={fromTag}
            To: <sip:uas@192.0.2.10>
            Call-ID: {callId}
            CSeq: 1 INVITE
            Contact: <sip:caller{n}@198.51.100.7:5062;transport=tcp>
            Content-Length: 0


            """);
        byte[] bytes = Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));
        return SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error)
            ? (SipRequest)message!
            : throw new InvalidOperationException($"The benchmark INVITE does not parse: {error}");
    }
}
