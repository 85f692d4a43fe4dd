using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.TestSupport;

/// <summary>
/// Deterministic (seeded) generators of realistic OTLP Profiles v1.10 requests, for tests and benchmarks.
/// <para>
/// <see cref="Large"/> looks like one export of a node's eBPF profiler watching a cluster of .NET services: one
/// <see cref="ResourceProfiles"/> per service with Kubernetes resource attributes, one CPU profile each, and one shared
/// dictionary. Stacks are random walks down a per-service call tree (thread entry chain, runtime dispatch, the service's
/// handlers, library code, native runtime code, and sometimes kernel frames at the leaf), so they share prefixes the
/// way real call trees do. Locations mix dotnet frames with names (some with two inlined lines), native frames with
/// names, native frames with only a mapping and an address, and kernel frames; each carries a
/// <c>profile.frame.type</c> attribute. Each stack is split over several Samples (one per thread, <c>thread.name</c> and
/// <c>thread.id</c> attributes); most Samples carry <c>values=[n]</c>, the small ones only timestamps.
/// </para>
/// </summary>
public static class SyntheticPayloads
{
    /// <summary>Profile start of every generated profile: 2023-11-14T22:13:20Z.</summary>
    public const ulong StartUnixNano = 1_700_000_000_000_000_000;

    /// <summary>Length of every generated profile.</summary>
    public const ulong DurationNano = 60_000_000_000;

    /// <summary>1e9 / 19 Hz.</summary>
    public const long CpuPeriodNanos = 1_000_000_000 / 19;

    /// <summary>
    /// A large request: <paramref name="services"/> resource profiles, exactly <paramref name="uniqueStacks"/> distinct
    /// stacks (each used by at least one sample), depths in [<paramref name="minDepth"/>, <paramref name="maxDepth"/>],
    /// and sample values summing to exactly <paramref name="totalSamples"/>. About 800 KB serialized with the defaults.
    /// </summary>
    public static ExportProfilesServiceRequest Large(
        int services = 20,
        int uniqueStacks = 8000,
        int minDepth = 8,
        int maxDepth = 64,
        long totalSamples = 400_000,
        int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(services, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(uniqueStacks, services);
        ArgumentOutOfRangeException.ThrowIfLessThan(minDepth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, minDepth);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSamples, uniqueStacks);
        return new Generator(seed, minDepth, maxDepth).Build(services, uniqueStacks, totalSamples);
    }

    /// <summary>A small request of the same shape: two services, a dozen stacks, 200 samples.</summary>
    public static ExportProfilesServiceRequest Small(int seed) =>
        Large(services: 2, uniqueStacks: 12, minDepth: 6, maxDepth: 16, totalSamples: 200, seed: seed);

    private enum Layer
    {
        ThreadEntry,
        Runtime,
        Handler,
        Library,
        Native,
    }

    private sealed class Generator(int seed, int minDepth, int maxDepth)
    {
        private static readonly string[] Deployments =
        [
            "frontend", "cart", "checkout", "payment", "shipping", "email", "recommendation", "ad", "currency",
            "product-catalog", "quote", "accounting", "fraud-detection", "inventory", "notification", "auth", "search",
            "api-gateway", "orders", "users",
        ];

        private static readonly string[] Namespaces = ["shop", "payments", "platform", "default"];

        private static readonly string[] Nodes = ["ip-10-0-1-17.ec2.internal", "ip-10-0-2-41.ec2.internal", "ip-10-0-3-9.ec2.internal"];

        private static readonly string[] KernelFunctions =
        [
            "entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_futex", "do_futex", "futex_wait",
            "futex_wait_queue", "schedule", "__schedule", "finish_task_switch.isra.0", "__x64_sys_epoll_wait",
            "do_epoll_wait", "ep_poll", "schedule_hrtimeout_range", "__x64_sys_read", "ksys_read", "vfs_read",
            "sock_read_iter", "tcp_recvmsg", "tcp_recvmsg_locked", "__x64_sys_sendto", "__sys_sendto", "tcp_sendmsg",
            "tcp_sendmsg_locked", "tcp_push", "__tcp_push_pending_frames", "tcp_write_xmit", "__tcp_transmit_skb",
            "ip_queue_xmit", "__x64_sys_mmap", "do_mmap", "asm_exc_page_fault", "exc_page_fault", "do_user_addr_fault",
            "handle_mm_fault", "__handle_mm_fault", "do_anonymous_page", "clear_page_erms", "asm_sysvec_apic_timer_interrupt",
            "sysvec_apic_timer_interrupt", "__sysvec_apic_timer_interrupt", "hrtimer_interrupt", "__x64_sys_madvise",
            "do_madvise", "zap_page_range_single", "unmap_page_range",
        ];

        private static readonly string[] CoreclrFunctions =
        [
            "JIT_New", "JIT_NewArr1", "JIT_GetSharedNonGCStaticBase", "JIT_CheckedWriteBarrier", "JIT_ByRefWriteBarrier",
            "AllocateObject", "Alloc", "WKS::gc_heap::allocate_more_space", "WKS::gc_heap::try_allocate_more_space",
            "WKS::gc_heap::a_fit_free_list_p", "WKS::gc_heap::soh_try_fit", "SVR::gc_heap::mark_object_simple",
            "SVR::gc_heap::mark_phase", "SVR::gc_heap::plan_phase", "SVR::gc_heap::relocate_phase", "SVR::gc_heap::compact_phase",
            "SVR::gc_heap::gc1", "SVR::gc_heap::garbage_collect", "SVR::gc_heap::gc_thread_function", "memset_repmovs",
            "ObjectNative::GetHashCode", "ThePreStub", "MethodDesc::DoPrestub", "MethodDesc::PrepareInitialCode",
            "UnsafeJitFunction", "CILJit::compileMethod", "Compiler::compCompile", "ThreadNative::KickOffThread",
            "ManagedThreadBase_DispatchOuter", "CallDescrWorkerInternal", "MethodDescCallSite::CallTargetWorker",
            "Thread::DoAppropriateWait", "CLREventBase::WaitEx", "WaitForSingleObjectEx", "SyncBlock::Wait",
            "JIT_MonEnterWorker_Portable", "AwareLock::EnterEpilogHelper", "StubHelpers::ProcessByrefValidationList",
            "ExceptionTracker::ProcessOSExceptionNotification", "IL_Throw", "DispatchManagedException",
        ];

        private static readonly string[] LibcFunctions =
        [
            "__memmove_avx_unaligned_erms", "__memset_avx2_unaligned_erms", "__strlen_avx2", "__lll_lock_wait",
            "pthread_cond_wait@@GLIBC_2.3.2", "pthread_cond_timedwait@@GLIBC_2.3.2", "__futex_abstimed_wait_common",
            "epoll_wait", "__libc_recv", "__libc_send", "__libc_read", "__libc_write", "malloc", "_int_malloc", "free",
            "_int_free", "__GI___clock_gettime", "sched_yield",
        ];

        private static readonly string[] NativeLibraries =
        [
            "/usr/share/dotnet/shared/Microsoft.NETCore.App/9.0.4/libcoreclr.so",
            "/usr/share/dotnet/shared/Microsoft.NETCore.App/9.0.4/libclrjit.so",
            "/usr/share/dotnet/shared/Microsoft.NETCore.App/9.0.4/libSystem.Native.so",
            "/usr/share/dotnet/shared/Microsoft.NETCore.App/9.0.4/libSystem.Security.Cryptography.Native.OpenSsl.so",
            "/usr/lib/x86_64-linux-gnu/libssl.so.3",
            "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
            "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
        ];

        private static readonly string[] RuntimeNamespaces =
        [
            "System.Threading", "System.Threading.Tasks", "System.Runtime.CompilerServices", "System.IO.Pipelines",
            "System.Net.Sockets", "System.Net.Http", "System.Net.Security", "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http",
            "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http2", "Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.Internal",
            "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Mvc.Infrastructure", "Microsoft.AspNetCore.Mvc.Internal",
            "Microsoft.AspNetCore.Authentication", "Microsoft.AspNetCore.Authorization", "Microsoft.AspNetCore.Diagnostics",
            "Microsoft.AspNetCore.HostFiltering", "Microsoft.AspNetCore.Builder", "Microsoft.Extensions.DependencyInjection.ServiceLookup",
            "Grpc.AspNetCore.Server.Internal.CallHandlers",
        ];

        private static readonly string[] LibraryNamespaces =
        [
            "Npgsql", "Npgsql.Internal", "StackExchange.Redis", "System.Text.Json", "System.Text.Json.Serialization.Converters",
            "System.Text.Json.Serialization.Metadata", "Microsoft.EntityFrameworkCore.Query.Internal",
            "Microsoft.EntityFrameworkCore.ChangeTracking.Internal", "Microsoft.EntityFrameworkCore.Storage",
            "Grpc.Net.Client.Internal", "Google.Protobuf", "Google.Protobuf.Collections", "Confluent.Kafka",
            "Microsoft.Extensions.Logging", "Microsoft.Extensions.Caching.Memory", "System.Collections.Generic",
            "System.Collections.Concurrent", "System.Linq", "System.Linq.Enumerable+SelectListIterator`2", "System.Text",
            "System.Text.RegularExpressions", "System.Security.Cryptography", "System.IO.Compression", "System.Buffers",
            "Serilog.Core", "Polly", "MediatR", "AutoMapper", "Dapper.SqlMapper", "OpenTelemetry.Trace",
        ];

        private static readonly string[] TypeWords =
        [
            "Connector", "Reader", "Writer", "Pool", "Cache", "Serializer", "Converter", "Command", "Executor", "Handler",
            "Dispatcher", "Buffer", "Stream", "Channel", "Encoder", "Decoder", "Parser", "Builder", "Provider", "Factory",
            "Manager", "Context", "Queue", "Scheduler", "Tracker", "Resolver", "Client", "Connection", "Session", "Pipe",
        ];

        private static readonly string[] TypePrefixes =
        [
            "", "Npgsql", "Json", "Http", "Socket", "Sql", "Query", "Batch", "Object", "Async", "Message", "Frame",
            "Header", "Route", "Entity", "Value", "Array", "String", "Utf8", "Memory", "Default", "Concurrent",
        ];

        private static readonly string[] MethodWords =
        [
            "Read", "Write", "Execute", "Dispatch", "Invoke", "Process", "Parse", "Serialize", "Deserialize", "Flush",
            "Send", "Receive", "Get", "Set", "TryGet", "Add", "Remove", "Find", "Resolve", "Build", "Create", "Open",
            "Close", "Encode", "Decode", "Copy", "Compute", "Validate", "Map", "Apply", "Start", "Complete", "Run",
        ];

        private static readonly string[] MethodSuffixes =
        [
            "", "Async", "Core", "Internal", "Slow", "Fast", "Value", "Message", "Buffer", "Bytes", "Rows", "Next",
            "Header", "Body", "Item", "Entry", "Block", "Chunk",
        ];

        private static readonly string[] Resources =
        [
            "Order", "Cart", "Product", "Payment", "Invoice", "Shipment", "User", "Account", "Quote", "Currency", "Ad",
            "Recommendation", "Review", "Inventory", "Notification", "Session", "Token", "Price", "Discount", "Address",
        ];

        private static readonly string[] Actions =
        [
            "Get", "List", "Create", "Update", "Delete", "Search", "Validate", "Calculate", "Reserve", "Confirm",
            "Cancel", "Refresh", "Import", "Export", "Sync", "Publish",
        ];

        private readonly Random _random = new(seed);

        private int MinDepth => minDepth;

        private readonly OtlpRequestBuilder _builder = new();
        private readonly Dictionary<(string Key, string Value), int> _attributes = [];
        private readonly Dictionary<string, int> _mappings = new(StringComparer.Ordinal);
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _stacks = new(StringComparer.Ordinal);
        private ulong _nextMappingStart = 0x7f3a_0000_0000;

        // Shared across services (the same runtime and libraries everywhere).
        private int[][] _threadChains = [];
        private string[] _threadChainNames = [];
        private int[] _runtime = [];
        private int[] _library = [];
        private int[] _native = [];
        private int[][] _kernelTails = [];

        public ExportProfilesServiceRequest Build(int services, int uniqueStacks, long totalSamples)
        {
            CreateSharedLocations(uniqueStacks);

            // Stacks per service, and sample totals per service in proportion to a skewed weight.
            var stacksPerService = Split(uniqueStacks, services);
            var serviceWeights = Enumerable.Range(0, services).Select(_ => 0.3 + (_random.NextDouble() * 1.7)).ToArray();
            var samplesPerService = SplitAtLeast(totalSamples, stacksPerService, serviceWeights);

            for (var s = 0; s < services; s++)
            {
                BuildService(s, stacksPerService[s], samplesPerService[s]);
            }

            return _builder.Request;
        }

        private void BuildService(int index, int stackCount, long sampleTotal)
        {
            var deployment = index < Deployments.Length ? Deployments[index] : $"{Deployments[index % Deployments.Length]}-{index / Deployments.Length}";
            var ns = Namespaces[index % Namespaces.Length];
            var pod = $"{deployment}-{RandomToken(10, "bcdfghjklmnpqrstvwxz2456789")}-{RandomToken(5, "bcdfghjklmnpqrstvwxz2456789")}";
            var pid = 1 + _random.Next(7, 4_000_000);
            var attributes = new Dictionary<string, string>
            {
                ["service.name"] = deployment,
                ["service.namespace"] = ns,
                ["k8s.namespace.name"] = ns,
                ["k8s.deployment.name"] = deployment,
                ["k8s.pod.name"] = pod,
                ["k8s.container.name"] = deployment,
                ["k8s.node.name"] = Nodes[index % Nodes.Length],
                ["container.id"] = RandomToken(64, "0123456789abcdef"),
                ["process.executable.name"] = "dotnet",
                ["process.executable.path"] = "/usr/share/dotnet/dotnet",
                ["process.runtime.name"] = ".NET",
                ["process.runtime.version"] = "9.0.4",
                ["host.arch"] = "amd64",
            };
            var profile = _builder.Profile(attributes, period: CpuPeriodNanos);
            var resource = _builder.Request.ResourceProfiles[^1].Resource;
            resource.Attributes.Add(new KeyValue { Key = "process.pid", Value = new AnyValue { IntValue = pid } });
            profile.TimeUnixNano = StartUnixNano;
            profile.DurationNano = DurationNano;
            profile.ProfileId = Google.Protobuf.ByteString.CopyFrom(RandomBytes(16));

            var service = new ServiceTree(this, deployment);
            var stacks = new List<(int Stack, int Chain)>(stackCount);
            var attempts = 0L;
            while (stacks.Count < stackCount)
            {
                if (++attempts > 1000L * stackCount + 100_000)
                {
                    throw new InvalidOperationException($"Could not generate {stackCount} distinct stacks with depths {minDepth}..{maxDepth}.");
                }

                if (service.Walk(TargetDepth()) is { } stack)
                {
                    stacks.Add(stack);
                }
            }

            // Threads of this process: one per entry chain, several thread-pool and GC threads.
            var threads = new List<int[]>[_threadChains.Length];
            var nextThreadId = pid + 1;
            for (var c = 0; c < _threadChains.Length; c++)
            {
                var count = c switch { 1 => 6 + _random.Next(10), 2 => 2, 4 => 1 + _random.Next(3), _ => 1 };
                threads[c] = [];
                for (var t = 0; t < count; t++)
                {
                    var id = (c == 0 ? pid : nextThreadId++).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    threads[c].Add([Attribute("thread.name", _threadChainNames[c]), Attribute("thread.id", id)]);
                }
            }

            // Skewed weight per stack (a few hot stacks, a long tail), at least one sample each.
            var weights = stacks.Select(_ => Math.Exp(NextGaussian() * 1.3)).ToArray();
            var perStack = SplitAtLeast(sampleTotal, Enumerable.Repeat(1, stacks.Count).ToArray(), weights);

            var samples = new List<Sample>();
            var timeRange = (long)DurationNano;
            for (var i = 0; i < stacks.Count; i++)
            {
                var (stack, chain) = stacks[i];
                var pool = threads[chain];
                var total = perStack[i];
                var parts = (int)Math.Min(total, Math.Min(pool.Count, 1 + _random.Next(4)));
                var values = SplitAtLeast(total, Enumerable.Repeat(1, parts).ToArray(), [.. Enumerable.Range(0, parts).Select(_ => 0.2 + _random.NextDouble())]);
                var first = _random.Next(pool.Count);
                for (var p = 0; p < parts; p++)
                {
                    var sample = new Sample { StackIndex = stack };
                    sample.AttributeIndices.AddRange(pool[(first + p) % pool.Count]);
                    if (values[p] <= 3 && _random.NextDouble() < 0.6)
                    {
                        // As the eBPF profiler reports: one timestamp per sample taken, no values.
                        var timestamps = new ulong[values[p]];
                        for (var t = 0; t < timestamps.Length; t++)
                        {
                            timestamps[t] = StartUnixNano + (ulong)_random.NextInt64(timeRange);
                        }

                        Array.Sort(timestamps);
                        sample.TimestampsUnixNano.AddRange(timestamps);
                    }
                    else
                    {
                        sample.Values.Add(values[p]);
                    }

                    samples.Add(sample);
                }
            }

            // Exporters emit samples in hash-map order, not grouped by stack.
            var shuffled = samples.ToArray();
            _random.Shuffle(shuffled);
            profile.Samples.AddRange(shuffled);
        }

        private int TargetDepth()
        {
            // Skewed towards the shallow end, with a tail of deep (async, recursive) stacks.
            var u = _random.NextDouble();
            return minDepth + (int)Math.Round((maxDepth - minDepth) * Math.Pow(u, 1.2));
        }

        /// <summary>Records a stack (root-first locations) unless the request already has it; returns its index.</summary>
        private int? AddStack(List<int> rootFirst)
        {
            var key = string.Join(',', rootFirst);
            if (_stacks.ContainsKey(key))
            {
                return null;
            }

            var leafFirst = rootFirst.ToArray();
            Array.Reverse(leafFirst);
            var index = _builder.Stack(leafFirst);
            _stacks.Add(key, index);
            return index;
        }

        private void CreateSharedLocations(int uniqueStacks)
        {
            // Thread entry chains first, so their (hottest) location indices are small.
            var dotnetHost = Mapping("/usr/share/dotnet/dotnet");
            var libc = Mapping("/usr/lib/x86_64-linux-gnu/libc.so.6");
            var coreclr = Mapping(NativeLibraries[0]);
            var corelib = Mapping("/usr/share/dotnet/shared/Microsoft.NETCore.App/9.0.4/System.Private.CoreLib.dll");
            var kestrel = Mapping("/usr/share/dotnet/shared/Microsoft.AspNetCore.App/9.0.4/Microsoft.AspNetCore.Server.Kestrel.Core.dll");

            var clone = NamedLocation(libc, "__clone3", "native", address: true);
            var startThread = NamedLocation(libc, "start_thread", "native", address: true);
            var threadEntry = NamedLocation(coreclr, "CorUnix::CPalThread::ThreadEntry", "native", address: true);
            var kickOff = NamedLocation(coreclr, "ThreadNative::KickOffThread", "native", address: true);
            var dispatchOuter = AddressLocation(coreclr);
            var callDescr = NamedLocation(coreclr, "CallDescrWorkerInternal", "native", address: true);
            var startCallback = DotnetLocation(corelib, "System.Threading.Thread.StartCallback");

            _threadChainNames = ["main", ".NET TP Worker", ".NET Server GC", ".NET Timer", ".NET Long Running Task", ".NET SigHandler"];
            _threadChains =
            [
                [
                    AddressLocation(dotnetHost), NamedLocation(libc, "__libc_start_main", "native", address: true),
                    NamedLocation(dotnetHost, "main", "native", address: true),
                    NamedLocation(Mapping("/usr/share/dotnet/host/fxr/9.0.4/libhostfxr.so"), "hostfxr_main_startupinfo", "native", address: true),
                    NamedLocation(coreclr, "coreclr_execute_assembly", "native", address: true), callDescr,
                    DotnetLocation(Mapping("/app/Program.dll"), "Program.<Main>$"),
                    DotnetLocation(Mapping("/usr/share/dotnet/shared/Microsoft.AspNetCore.App/9.0.4/Microsoft.Extensions.Hosting.dll"), "Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.Run"),
                ],
                [
                    clone, startThread, threadEntry, kickOff, dispatchOuter, callDescr, startCallback,
                    DotnetLocation(corelib, "System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart"),
                    DotnetLocation(corelib, "System.Threading.ThreadPoolWorkQueue.Dispatch"),
                ],
                [clone, startThread, threadEntry, NamedLocation(coreclr, "SVR::gc_heap::gc_thread_stub", "native", address: true)],
                [
                    clone, startThread, threadEntry, kickOff, dispatchOuter, callDescr, startCallback,
                    DotnetLocation(corelib, "System.Threading.TimerQueue.FireNextTimers"),
                ],
                [
                    clone, startThread, threadEntry, kickOff, dispatchOuter, callDescr, startCallback,
                    DotnetLocation(corelib, "System.Threading.Tasks.Task.ExecuteWithThreadLocal"),
                    DotnetLocation(kestrel, "Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.Internal.SocketConnection.DoReceive"),
                ],
                [clone, startThread, threadEntry, AddressLocation(Mapping(NativeLibraries[2])), NamedLocation(Mapping(NativeLibraries[2]), "SignalHandlerLoop", "native", address: true)],
            ];

            // Runtime and framework dispatch code (the pools shrink for small requests).
            var frameworkAssemblies = Enumerable.Range(0, 6)
                .Select(i => Mapping($"/usr/share/dotnet/shared/Microsoft.AspNetCore.App/9.0.4/Microsoft.AspNetCore.{TypeWords[i]}.dll"))
                .Append(corelib).Append(kestrel).ToArray();
            _runtime = [.. Enumerable.Range(0, Math.Clamp(uniqueStacks / 50, 8, 160)).SelectMany(_ => DotnetLocations(
                frameworkAssemblies[_random.Next(frameworkAssemblies.Length)],
                UniqueName(() => $"{Pick(RuntimeNamespaces)}.{Pick(TypePrefixes)}{Pick(TypeWords)}.{Pick(MethodWords)}{Pick(MethodSuffixes)}"),
                fileName: null))];

            // Library code (drivers, serializers, clients) shared by all services.
            var libraryAssemblies = LibraryNamespaces.Select(ns => Mapping($"/app/{ns.Split('.', '+')[0]}.dll")).ToArray();
            _library = [.. Enumerable.Range(0, Math.Clamp(uniqueStacks / 25, 12, 320)).SelectMany(_ =>
            {
                var n = _random.Next(LibraryNamespaces.Length);
                return DotnetLocations(
                    libraryAssemblies[n],
                    UniqueName(() => $"{LibraryNamespaces[n]}.{Pick(TypePrefixes)}{Pick(TypeWords)}.{Pick(MethodWords)}{Pick(MethodSuffixes)}"),
                    fileName: null);
            })];

            // Native runtime and library code: some symbolized, some only an address in a stripped library.
            var native = new List<int>();
            foreach (var name in CoreclrFunctions)
            {
                native.Add(NamedLocation(coreclr, name, "native", address: true));
            }

            var libcNative = LibcFunctions.Select(name => NamedLocation(libc, name, "native", address: true)).ToArray();
            native.AddRange(libcNative);
            for (var i = 0; i < Math.Clamp(uniqueStacks / 40, 4, 180); i++)
            {
                native.Add(AddressLocation(Mapping(NativeLibraries[_random.Next(NativeLibraries.Length)])));
            }

            _native = [.. native];

            // Kernel frames below a syscall, page fault or timer interrupt.
            var kernel = Mapping("[kernel.kallsyms]");
            var kernelLocations = KernelFunctions.ToDictionary(name => name, name => NamedLocation(kernel, name, "kernel", address: true));
            string[][] chains =
            [
                ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_futex", "do_futex", "futex_wait", "futex_wait_queue", "schedule", "__schedule", "finish_task_switch.isra.0"],
                ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_epoll_wait", "do_epoll_wait", "ep_poll", "schedule_hrtimeout_range", "schedule", "__schedule"],
                ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_read", "ksys_read", "vfs_read", "sock_read_iter", "tcp_recvmsg", "tcp_recvmsg_locked"],
                ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_sendto", "__sys_sendto", "tcp_sendmsg", "tcp_sendmsg_locked", "tcp_push", "__tcp_push_pending_frames", "tcp_write_xmit", "__tcp_transmit_skb", "ip_queue_xmit"],
                ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_mmap", "do_mmap"],
                ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_madvise", "do_madvise", "zap_page_range_single", "unmap_page_range"],
                ["asm_exc_page_fault", "exc_page_fault", "do_user_addr_fault", "handle_mm_fault", "__handle_mm_fault", "do_anonymous_page", "clear_page_erms"],
                ["asm_sysvec_apic_timer_interrupt", "sysvec_apic_timer_interrupt", "__sysvec_apic_timer_interrupt", "hrtimer_interrupt"],
            ];
            var tails = new List<int[]>();
            foreach (var chain in chains)
            {
                // Samples land at every depth of the chain; a libc wrapper sits above the syscall ones.
                for (var length = 2; length <= chain.Length; length += 1 + _random.Next(2))
                {
                    var frames = chain.Take(length).Select(name => kernelLocations[name]);
                    tails.Add(chain[0].StartsWith("entry_SYSCALL", StringComparison.Ordinal)
                        ? [libcNative[_random.Next(libcNative.Length)], .. frames]
                        : [.. frames]);
                }
            }

            _kernelTails = [.. tails];
        }

        private int Mapping(string fileName)
        {
            if (!_mappings.TryGetValue(fileName, out var index))
            {
                var size = (ulong)(0x10000 + (_random.Next(1, 512) * 0x10000));
                var mapping = new Mapping
                {
                    MemoryStart = _nextMappingStart,
                    MemoryLimit = _nextMappingStart + size,
                    FileOffset = 0,
                    FilenameStrindex = _builder.String(fileName),
                };
                _nextMappingStart += size + 0x200000;
                _builder.Dictionary.MappingTable.Add(mapping);
                index = _builder.Dictionary.MappingTable.Count - 1;
                _mappings.Add(fileName, index);
            }

            return index;
        }

        private ulong Address(int mapping)
        {
            var m = _builder.Dictionary.MappingTable[mapping];
            return (ulong)_random.NextInt64(0x1000, (long)(m.MemoryLimit - m.MemoryStart));
        }

        private int AddressLocation(int mapping)
        {
            var location = new Location { MappingIndex = mapping, Address = Address(mapping) };
            location.AttributeIndices.Add(Attribute("profile.frame.type", "native"));
            return _builder.AddLocation(location);
        }

        private int NamedLocation(int mapping, string name, string frameType, bool address)
        {
            var location = new Location { MappingIndex = mapping, Address = address ? Address(mapping) : 0 };
            location.Lines.Add(new Line { FunctionIndex = _builder.Function(name) });
            location.AttributeIndices.Add(Attribute("profile.frame.type", frameType));
            return _builder.AddLocation(location);
        }

        private int DotnetLocation(int mapping, string name, string? fileName = null, long line = 0)
        {
            var location = new Location { MappingIndex = mapping };
            location.Lines.Add(new Line { FunctionIndex = _builder.Function(name, fileName: fileName ?? ""), Line_ = line });
            location.AttributeIndices.Add(Attribute("profile.frame.type", "dotnet"));
            return _builder.AddLocation(location);
        }

        /// <summary>One to three call sites of a managed method; a fifth of them with a second method inlined into it.</summary>
        private IEnumerable<int> DotnetLocations(int mapping, string name, string? fileName)
        {
            var sites = 1 + (_random.NextDouble() < 0.35 ? 1 : 0) + (_random.NextDouble() < 0.1 ? 1 : 0);
            var firstLine = 20 + _random.Next(600);
            var result = new int[sites];
            for (var s = 0; s < sites; s++)
            {
                var line = fileName is null ? 0 : firstLine + (s * (3 + _random.Next(40)));
                var location = new Location { MappingIndex = mapping };
                if (_random.NextDouble() < 0.2)
                {
                    // lines[0] is the innermost: a small helper inlined at this call site.
                    var inlined = $"{name[..name.LastIndexOf('.')]}.{Pick(["get_", "set_", "Ensure", "Throw"])}{Pick(TypeWords)}";
                    location.Lines.Add(new Line { FunctionIndex = _builder.Function(inlined, fileName: fileName ?? ""), Line_ = line == 0 ? 0 : line + 200 });
                }

                location.Lines.Add(new Line { FunctionIndex = _builder.Function(name, fileName: fileName ?? ""), Line_ = line });
                location.AttributeIndices.Add(Attribute("profile.frame.type", "dotnet"));
                result[s] = _builder.AddLocation(location);
            }

            return result;
        }

        private int Attribute(string key, string value)
        {
            if (!_attributes.TryGetValue((key, value), out var index))
            {
                index = _builder.Attribute(key, value);
                _attributes.Add((key, value), index);
            }

            return index;
        }

        private string UniqueName(Func<string> next)
        {
            for (var attempt = 0; ; attempt++)
            {
                var name = next();
                if (attempt > 20)
                {
                    name += "`" + attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                if (_names.Add(name))
                {
                    return name;
                }
            }
        }

        private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

        private string RandomToken(int length, string alphabet)
        {
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                chars[i] = alphabet[_random.Next(alphabet.Length)];
            }

            return new string(chars);
        }

        private byte[] RandomBytes(int length)
        {
            var bytes = new byte[length];
            _random.NextBytes(bytes);
            return bytes;
        }

        private double NextGaussian()
        {
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }

        /// <summary>Splits <paramref name="count"/> items evenly over <paramref name="parts"/> parts.</summary>
        private static int[] Split(int count, int parts)
        {
            var result = new int[parts];
            for (var i = 0; i < parts; i++)
            {
                result[i] = (count / parts) + (i < count % parts ? 1 : 0);
            }

            return result;
        }

        /// <summary>
        /// Splits <paramref name="total"/> over parts in proportion to <paramref name="weights"/>, giving part i at least
        /// <paramref name="minimum"/>[i]; the parts sum to exactly <paramref name="total"/>.
        /// </summary>
        private static long[] SplitAtLeast(long total, int[] minimum, double[] weights)
        {
            var result = minimum.Select(m => (long)m).ToArray();
            var rest = total - result.Sum();
            if (rest < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(total), "total is below the sum of the minimums");
            }

            var weightSum = weights.Sum();
            long given = 0;
            for (var i = 0; i < result.Length; i++)
            {
                var share = (long)Math.Floor(rest * weights[i] / weightSum);
                result[i] += share;
                given += share;
            }

            // Hand out what rounding left over, heaviest first.
            var order = Enumerable.Range(0, result.Length).OrderByDescending(i => weights[i]).ToArray();
            for (var k = 0; given < rest; k = (k + 1) % order.Length, given++)
            {
                result[order[k]]++;
            }

            return result;
        }

        /// <summary>The call tree of one service: nodes are created lazily as walks go down it.</summary>
        private sealed class ServiceTree
        {
            private readonly Generator _g;
            private readonly Node[] _threadRoots;
            private readonly int[] _handlers;

            public ServiceTree(Generator generator, string service)
            {
                _g = generator;
                _threadRoots = [.. _g._threadChains.Select((chain, c) => new Node(chain[0], Layer.ThreadEntry, c, 0))];
                var appAssembly = _g.Mapping($"/app/{ToPascal(service)}.dll");
                var handlerNames = new List<string>();
                var resources = _g._random.GetItems(Resources, 6).Distinct().ToArray();
                foreach (var resource in resources)
                {
                    handlerNames.Add($"{ToPascal(service)}.Controllers.{resource}Controller.{_g.Pick(Actions)}{resource}");
                    handlerNames.Add($"{ToPascal(service)}.Services.{resource}Service.{_g.Pick(Actions)}{resource}Async");
                    handlerNames.Add($"{ToPascal(service)}.Services.{resource}Service.<{_g.Pick(Actions)}Async>d__{_g._random.Next(4, 40)}.MoveNext");
                    handlerNames.Add($"{ToPascal(service)}.Data.{resource}Repository.{_g.Pick(Actions)}Async");
                    handlerNames.Add($"{ToPascal(service)}.Domain.{resource}.{_g.Pick(Actions)}");
                }

                _handlers = [.. handlerNames.Distinct().SelectMany(name =>
                {
                    var type = name.Split('.')[^2];
                    return _g.DotnetLocations(appAssembly, _g.UniqueName(() => name), $"/src/{ToPascal(service)}/{type}.cs");
                })];
            }

            /// <summary>One random walk of <paramref name="depth"/> frames; null when the request already has that stack.</summary>
            public (int Stack, int Chain)? Walk(int depth)
            {
                // A leaf tail below the walk: native runtime/libc code and/or kernel frames, or nothing.
                int[] tail = [];
                var r = _g._random.NextDouble();
                if (r < 0.18)
                {
                    tail = _g._kernelTails[_g._random.Next(_g._kernelTails.Length)];
                }
                else if (r < 0.24)
                {
                    var kernel = _g._kernelTails[_g._random.Next(_g._kernelTails.Length)];
                    tail = [_g._native[_g._random.Next(_g._native.Length)], .. kernel];
                }

                if (tail.Length >= depth - 1)
                {
                    tail = [];
                }

                var chain = PickChain();
                var path = new List<int>(depth);
                var node = _threadRoots[chain];
                path.Add(node.Location);
                // Native code does not go on for long: a walk that reaches it stops after a few frames once it is deep enough.
                var nativeFrames = 0;
                var maxNativeFrames = 1 + _g._random.Next(5);
                while (path.Count < depth - tail.Length)
                {
                    node = Next(node);
                    path.Add(node.Location);
                    if (node.Layer == Layer.Native && ++nativeFrames >= maxNativeFrames && path.Count + tail.Length >= _g.MinDepth)
                    {
                        break;
                    }
                }

                path.AddRange(tail);
                return _g.AddStack(path) is { } stack ? (stack, chain) : null;
            }

            private int PickChain()
            {
                // Most CPU is on the thread pool; some on timers, socket loops, GC, main and signal threads.
                var r = _g._random.NextDouble();
                return r switch
                {
                    < 0.64 => 1,
                    < 0.78 => 4,
                    < 0.87 => 3,
                    < 0.95 => 2,
                    < 0.985 => 0,
                    _ => 5,
                };
            }

            private Node Next(Node node)
            {
                if (node.Layer == Layer.ThreadEntry)
                {
                    var chain = _g._threadChains[node.Chain];
                    if (node.ChainPosition + 1 < chain.Length)
                    {
                        return node.Child(chain[node.ChainPosition + 1], () => new Node(chain[node.ChainPosition + 1], Layer.ThreadEntry, node.Chain, node.ChainPosition + 1));
                    }
                }

                // Chinese-restaurant choice: an existing callee in proportion to how often it was taken, or a new one.
                var concentration = node.Layer switch
                {
                    Layer.ThreadEntry => 1.5,
                    Layer.Runtime => 0.8,
                    Layer.Handler => 1.6,
                    Layer.Library => 1.3,
                    _ => 1.0,
                };
                var pick = _g._random.NextDouble() * (node.Outgoing + concentration);
                node.Outgoing++;
                if (pick < node.Outgoing - 1)
                {
                    foreach (var child in node.Children)
                    {
                        pick -= child.Taken;
                        if (pick < 0)
                        {
                            child.Taken++;
                            return child;
                        }
                    }

                    node.Children[^1].Taken++;
                    return node.Children[^1];
                }

                var layer = NextLayer(node);
                var location = layer switch
                {
                    Layer.Runtime => _g.Pick(_g._runtime),
                    Layer.Handler => _g.Pick(_handlers),
                    Layer.Library => _g.Pick(_g._library),
                    _ => _g.Pick(_g._native),
                };
                var next = node.Child(location, () => new Node(location, layer, node.Chain, 0));
                next.Taken++;
                return next;
            }

            private Layer NextLayer(Node node)
            {
                var r = _g._random.NextDouble();
                return node.Layer switch
                {
                    // GC and signal threads stay in native code.
                    Layer.ThreadEntry when node.Chain is 2 or 5 => Layer.Native,
                    Layer.ThreadEntry => Layer.Runtime,
                    Layer.Runtime => r < 0.55 ? Layer.Runtime : r < 0.9 ? Layer.Handler : Layer.Library,
                    Layer.Handler => r < 0.45 ? Layer.Handler : r < 0.98 ? Layer.Library : Layer.Native,
                    Layer.Library => r < 0.97 ? Layer.Library : Layer.Native,
                    _ => Layer.Native,
                };
            }

            private static string ToPascal(string name) =>
                string.Concat(name.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
        }

        private sealed class Node(int location, Layer layer, int chain, int chainPosition)
        {
            public int Location { get; } = location;

            public Layer Layer { get; } = layer;

            public int Chain { get; } = chain;

            public int ChainPosition { get; } = chainPosition;

            /// <summary>How many walks went from the parent to this node.</summary>
            public int Taken { get; set; }

            /// <summary>How many walks went on from this node (the sum of the children's <see cref="Taken"/>).</summary>
            public int Outgoing { get; set; }

            public List<Node> Children { get; } = [];

            public Node Child(int location, Func<Node> create)
            {
                foreach (var child in Children)
                {
                    if (child.Location == location)
                    {
                        return child;
                    }
                }

                var node = create();
                Children.Add(node);
                return node;
            }
        }
    }
}
