using OdigosUi.TestSupport;
using System.Diagnostics;
using OdigosUi.Profiler.Symbolization.Demangling;
using Xunit.Abstractions;

namespace OdigosUi.Profiler.Tests;

/// <summary>The demangler against binutils' c++filt, on real symbols read with nm at test time.</summary>
public sealed class DemanglerTests(ITestOutputHelper output)
{
    private const string LibraryDirectory = "/usr/lib/x86_64-linux-gnu";

    private const string CppProgram = """
        #include <algorithm>
        #include <cstdio>
        #include <functional>
        #include <map>
        #include <memory>
        #include <stdexcept>
        #include <string>
        #include <vector>

        namespace geometry {
        template <typename T, int N>
        struct Vec {
            T v[N];
            Vec operator+(const Vec& o) const { Vec r{}; for (int i = 0; i < N; ++i) r.v[i] = v[i] + o.v[i]; return r; }
            bool operator==(const Vec& o) const { return std::equal(v, v + N, o.v); }
            explicit operator bool() const { return v[0] != T(); }
        };
        class Shape {
        public:
            virtual ~Shape() = default;
            virtual double area() const = 0;
        };
        class Circle final : public Shape {
        public:
            explicit Circle(double r) : r_(r) {}
            double area() const override { return 3.14159 * r_ * r_; }
        private:
            double r_;
        };
        }  // namespace geometry

        namespace {
        __attribute__((noinline)) int checked(int x) {
            if (__builtin_expect(x < 0, 0)) throw std::invalid_argument("negative: " + std::to_string(x));
            return x * 2;
        }
        }  // namespace

        template <typename... Args>
        __attribute__((noinline)) std::string joined(const Args&... args) {
            std::string out;
            ((out += std::to_string(args) + ","), ...);
            return out;
        }

        template <typename F>
        __attribute__((noinline)) int apply_all(const std::vector<int>& xs, F f) {
            int total = 0;
            for (int x : xs) total += f(x);
            return total;
        }

        struct Registry {
            std::map<std::string, std::function<int(int)>> handlers;
            __attribute__((noinline)) void add(const std::string& name, std::function<int(int)> f) { handlers[name] = std::move(f); }
            __attribute__((noinline)) int call(const std::string& name, int x) const & { return handlers.at(name)(x); }
        };

        int main(int argc, char** argv) {
            geometry::Vec<float, 3> a{{1, 2, 3}}, b{{4, 5, 6}};
            auto c = a + b;
            std::vector<std::unique_ptr<geometry::Shape>> shapes;
            shapes.push_back(std::make_unique<geometry::Circle>(argc));
            Registry r;
            r.add("twice", [](int x) { return checked(x); });
            int k = argc;
            std::vector<int> xs(argv[0][0] % 7 + 3, k);
            int s = apply_all(xs, [k](int x) { return x * k; });
            std::sort(xs.begin(), xs.end(), [](int l, int r2) { return l > r2; });
            std::printf("%f %d %d %s %d %d\n", shapes[0]->area(), r.call("twice", argc), s, joined(1, 2L, 3.0).c_str(), c == a, static_cast<bool>(c));
            return 0;
        }
        """;

    private const string RustProgram = """
        use std::collections::HashMap;
        use std::fmt;

        mod shapes {
            pub trait Area { fn area(&self) -> f64; }
            pub struct Circle<T> { pub r: T }
            impl Area for Circle<f64> { #[inline(never)] fn area(&self) -> f64 { 3.14 * self.r * self.r } }
            impl<T: Copy + Into<f64>> Circle<T> {
                #[inline(never)]
                pub fn scaled<const N: usize>(&self) -> [f64; N] { [self.r.into(); N] }
            }
        }

        struct Point { x: i32, y: i32 }

        impl fmt::Display for Point {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { write!(f, "({}, {})", self.x, self.y) }
        }

        #[inline(never)]
        fn generic<T: fmt::Debug>(v: &[T]) -> usize { format!("{:?}", v).len() }

        #[inline(never)]
        fn closures(n: u64) -> u64 { let f = |x: u64| x * 2; let g = move |y: u64| y + n; (0..n).map(f).map(g).sum() }

        fn main() {
            use shapes::Area;
            let c = shapes::Circle { r: 2.0f64 };
            let mut m: HashMap<String, Vec<u8>> = HashMap::new();
            m.insert("a".to_string(), vec![1, 2]);
            let p = Point { x: 1, y: 2 };
            let boxed: Box<dyn Area> = Box::new(shapes::Circle { r: 1.0 });
            println!("{} {} {} {} {} {:?} {}", c.area(), p, generic(&[1, 2, 3]), generic(&["x"]), closures(10), c.scaled::<3>(), boxed.area());
            let t: (i8, &str, Option<char>) = (1, "s", Some('x'));
            println!("{:?} {}", t, m.len());
        }
        """;

    [Fact]
    public void Agrees_with_cxxfilt_on_the_function_symbols_of_installed_cpp_libraries()
    {
        var libraries = new List<string> { Path.Combine(LibraryDirectory, "libstdc++.so.6") };
        libraries.AddRange(Directory.GetFiles(LibraryDirectory, "libicuuc.so.*").Order().Take(1));
        libraries.AddRange(Directory.GetFiles(LibraryDirectory, "libicui18n.so.*").Order().Take(1));
        libraries.AddRange(Directory.GetFiles(LibraryDirectory, "libboost_regex.so.*").Order().Take(1));

        var symbols = libraries.SelectMany(library => MangledFunctionSymbols(library, dynamic: true)).Distinct().ToList();

        Assert.True(symbols.Count > 3000, $"only {symbols.Count} mangled function symbols in {string.Join(", ", libraries)}");
        AssertAgreesWithCxxFilt(symbols);
    }

    [Fact]
    public void Agrees_with_cxxfilt_on_a_cpp_program_compiled_now()
    {
        using var directory = new TempDirectory("odigos-demangler-tests-");
        var source = Path.Combine(directory.Path, "probe.cpp");
        File.WriteAllText(source, CppProgram);
        var binary = Path.Combine(directory.Path, "probe");
        Run("g++", ["-O2", "-std=c++17", "-o", binary, source]);

        var symbols = MangledFunctionSymbols(binary, dynamic: false);

        var demangled = AssertAgreesWithCxxFilt(symbols);
        Assert.Contains(demangled, name => name.EndsWith(" [clone .cold]", StringComparison.Ordinal));
        Assert.Contains(demangled, name => name.Contains("{lambda(int)#1}", StringComparison.Ordinal));
        Assert.Contains(demangled, name => name.Contains("(anonymous namespace)::checked(int)", StringComparison.Ordinal));
        Assert.Contains(demangled, name => name.Contains("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("v0")]
    public void Agrees_with_cxxfilt_on_a_rust_program_compiled_now(string manglingVersion)
    {
        using var directory = new TempDirectory("odigos-demangler-tests-");
        Directory.CreateDirectory(Path.Combine(directory.Path, "src"));
        File.WriteAllText(Path.Combine(directory.Path, "Cargo.toml"), """
            [package]
            name = "demangle_probe"
            version = "0.1.0"
            edition = "2021"
            """);
        File.WriteAllText(Path.Combine(directory.Path, "src", "main.rs"), RustProgram);
        var environment = new Dictionary<string, string> { ["CARGO_HOME"] = Path.Combine(directory.Path, "cargo-home") };
        if (manglingVersion == "v0")
        {
            environment["RUSTFLAGS"] = "-Csymbol-mangling-version=v0";
        }

        Run("cargo", ["build", "--release", "--offline", "--quiet", "--manifest-path", Path.Combine(directory.Path, "Cargo.toml")], environment);

        var symbols = MangledFunctionSymbols(Path.Combine(directory.Path, "target", "release", "demangle_probe"), dynamic: false);

        var demangled = AssertAgreesWithCxxFilt(symbols);
        var own = manglingVersion == "v0"
            ? symbols.Where(s => s.StartsWith("_R", StringComparison.Ordinal) && s.Contains("demangle_probe", StringComparison.Ordinal))
            : symbols.Where(s => s.StartsWith("_ZN14demangle_probe", StringComparison.Ordinal));
        Assert.NotEmpty(own);
        Assert.Contains(demangled, name => name.StartsWith(
            manglingVersion == "v0" ? "demangle_probe[" : "demangle_probe::generic::h", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("_Z3foov.cold", "foo() [clone .cold]")]
    [InlineData("_Z3fooiPKc", "foo(int, char const*)")]
    [InlineData("_ZN3FooC2Ev", "Foo::Foo()")]
    [InlineData("_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEED1Ev", "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::~basic_string()")]
    [InlineData("_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write::h0123456789abcdef")]
    [InlineData("_RNvCs1234_7mycrate3foo", "mycrate[3c1c0]::foo")]
    public void Prints_what_cxxfilt_prints(string symbol, string expected)
    {
        Assert.Equal(expected, CxxFilt([symbol])[0]);
        Assert.Equal(expected, Demangler.Demangle(symbol));
    }

    [Fact]
    public void Agrees_with_cxxfilt_on_constructs_of_the_itanium_abi()
    {
        string[] symbols =
        [
            "_ZNKR3Foo3barEv", "_ZNO3Foo3barEv", "_Z1fPVKi", "_Z1fPFviE", "_Z1fPA5_i", "_Z1fM1AKFviE", "_Z1fM1Ai",
            "_Z1fIJicEEvDpT_", "_Z1fIJEEvDpT_", "_ZltI1AEbRKT_S3_", "_Z1fILc1EEvv",
            "_Z1fILb1ELj5ELi5ELin5ELl5ELm5ELx5ELy5ELs5ELa5ELh5EEvv", "_ZZ3foovE1x_0", "_ZZ3foovEs",
            "_ZZ3foovENKUliE_clEi", "_ZN12_GLOBAL__N_13fooEv", "_Z3foov.constprop.0.isra.0", "_Z1fDn", "_Z1fDv4_f",
            "_Z1fIiEPFvvEv", "_Z1fRA5_i", "_Z1fPDoFvvE", "_Z1fIXadL_Z1gvEEEvv", "_Z1fIXplLi1ELi2EEEvv",
            "_ZTCN3Foo3BarE0_NS_3BazE", "_ZTH1a", "_ZTV3Foo", "_ZTI3Foo", "_ZTS3Foo", "_ZThn8_N3Foo3barEv",
            "_ZTv0_n24_N3Foo3barEv", "_ZGVZ3foovE1x", "_ZN3FooB5cxx11Ev", "_ZNKSt3foocviEv", "_ZN1AcvPFvvEEv",
            "_Z1fIiEDTplfp_Li1EET_", "_Znwm", "_ZdaPv", "_ZN3FooixEi", "_ZN3FooclEv", "_ZN3FooaSERKS_",
            "_Zli4_barPKc", "_Z1fSsSiSoSd", "_ZNSsC1Ev", "_Z1fN1AUt_ES_S0_", "_GLOBAL__I_foo", "_Z1fA5_PFvvE",
        ];

        AssertAgreesWithCxxFilt(symbols, minimumShare: 1.0);
    }

    [Theory]
    [InlineData("main")]
    [InlineData("spin")]
    [InlineData("_start")]
    [InlineData("__libc_start_main")]
    [InlineData("")]
    [InlineData("_Z")]
    [InlineData("_R")]
    [InlineData("_ZN")]
    public void Returns_null_for_names_that_are_not_mangled(string symbol) => Assert.Null(Demangler.Demangle(symbol));

    [Fact]
    public void Survives_hostile_input_quickly()
    {
        var inputs = new List<string>
        {
            string.Concat(Enumerable.Repeat("_Z1fI", 10_000)),
            "_Z1f" + string.Concat(Enumerable.Repeat("1fI", 10_000)),
            "_Z1f" + new string('P', 100_000) + "i",
            "_Z1fS999999999999999999999_",
            "_Z1fSZZZZZZZZZZZZZZZZZZZZZZZZZZZZ_",
            "_Z1fT999999999999999999999_",
            "_Z99999999999999999999foo",
            "_Z1fILi99999999999999999999999999999999999EEvv",
            "_ZN" + string.Concat(Enumerable.Repeat("1a", 50_000)) + "E",
            "_RNvB_3foo",
            "_R" + string.Concat(Enumerable.Repeat("Nv", 50_000)) + "C3foo",
            "_RINvCs1_1a1fA" + string.Concat(Enumerable.Repeat("A", 10_000)) + "hEE",
            "_ZN" + string.Concat(Enumerable.Repeat("1a", 5_000)) + "17h0123456789abcdefE",
            // Each S_ doubles the printed size: c++filt would print gigabytes.
            "_Z1fI" + string.Concat(Enumerable.Range(0, 60).Select(i => "1AIS" + (i == 0 ? "" : Base36(i - 1)) + "_S" + (i == 0 ? "" : Base36(i - 1)) + "_E")) + "EvT_",
        };
        foreach (var real in new[] { "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEC1EPKcRKS3_", "_ZZ3foovENKUliE_clEi", "_RINvCs40yrqYArGoy_14demangle_probe7genericReEB2_" })
        {
            for (var length = 0; length < real.Length; length++)
            {
                inputs.Add(real[..length]);
            }
        }

        var random = new Random(13);
        const string alphabet = "_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$.";
        string[] starts = ["_Z", "_ZN", "_ZZ", "_R", "_RN", "_RI", "_ZTV", "_ZN3foo"];
        for (var i = 0; i < 3000; i++)
        {
            var chars = new char[random.Next(1, 200)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = random.Next(20) == 0 ? (char)random.Next(0, 0x3000) : alphabet[random.Next(alphabet.Length)];
            }

            inputs.Add(starts[random.Next(starts.Length)] + new string(chars));
        }

        Demangler.Demangle("_Z3foov");
        var slowest = TimeSpan.Zero;
        var slowestInput = "";
        foreach (var input in inputs)
        {
            var watch = Stopwatch.StartNew();
            var output = Demangler.Demangle(input);
            watch.Stop();
            Assert.True(output == null || output.Length <= 4096, $"{output?.Length} characters for {Shorten(input)}");
            if (watch.Elapsed > slowest)
            {
                slowest = watch.Elapsed;
                slowestInput = input;
            }
        }

        Assert.True(slowest < TimeSpan.FromMilliseconds(50), $"{slowest.TotalMilliseconds} ms for {Shorten(slowestInput)}");
    }

    private static string Base36(int value)
    {
        const string digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        return value < 36 ? digits[value].ToString() : Base36(value / 36) + digits[value % 36];
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    /// <summary>
    /// Asserts that every name the demangler gives equals c++filt's, that it gives none where c++filt gives none,
    /// and that it gives a name for at least <paramref name="minimumShare"/> of those c++filt demangles.
    /// </summary>
    private List<string> AssertAgreesWithCxxFilt(IReadOnlyList<string> symbols, double minimumShare = 0.98)
    {
        var expected = CxxFilt(symbols);
        var mismatches = new List<string>();
        var demangled = new List<string>();
        var demangledByCxxFilt = 0;
        var nulls = 0;
        for (var i = 0; i < symbols.Count; i++)
        {
            var actual = Demangler.Demangle(symbols[i]);
            var cxxFiltDemangled = expected[i] != symbols[i];
            if (cxxFiltDemangled)
            {
                demangledByCxxFilt++;
            }

            if (actual == null)
            {
                nulls += cxxFiltDemangled ? 1 : 0;
                continue;
            }

            if (!cxxFiltDemangled || actual != expected[i])
            {
                mismatches.Add($"{symbols[i]}\n  c++filt: {expected[i]}\n  ours:    {actual}");
                continue;
            }

            demangled.Add(actual);
        }

        var agreed = demangled.Count;
        var summary = $"{agreed} of {demangledByCxxFilt} names agree with c++filt, {nulls} null, {mismatches.Count} differ ({symbols.Count} symbols)";
        output.WriteLine(summary);
        Assert.True(mismatches.Count == 0, summary + "\n" + string.Join("\n", mismatches.Take(20)));
        Assert.True(agreed >= minimumShare * demangledByCxxFilt, summary + "\nnull for:\n" + string.Join("\n",
            symbols.Where(s => Demangler.Demangle(s) == null).Take(20)));
        return demangled;
    }

    /// <summary>The mangled function symbols (<c>_Z…</c>, <c>_R…</c>) nm lists in <paramref name="binary"/>, without versions.</summary>
    private static List<string> MangledFunctionSymbols(string binary, bool dynamic)
    {
        var output = Run("nm", dynamic ? ["-D", "--defined-only", binary] : ["--defined-only", binary]);
        var symbols = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 3 || fields[1] is not ("T" or "t" or "W" or "w" or "i"))
            {
                continue;
            }

            var name = fields[2];
            var version = name.IndexOf('@');
            if (version >= 0)
            {
                name = name[..version];
            }

            if (name.StartsWith("_Z", StringComparison.Ordinal) || name.StartsWith("_R", StringComparison.Ordinal))
            {
                symbols.Add(name);
            }
        }

        return symbols.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>c++filt's output for each symbol (itself where it cannot demangle it), from one run over stdin.</summary>
    private static string[] CxxFilt(IReadOnlyList<string> symbols)
    {
        var lines = Run("c++filt", [], input: string.Join('\n', symbols) + "\n").Split('\n');
        Assert.True(lines.Length >= symbols.Count, $"c++filt printed {lines.Length} lines for {symbols.Count} symbols");
        return lines[..symbols.Count];
    }

    private static string Run(string program, string[] arguments, IReadOnlyDictionary<string, string>? environment = null, string? input = null) =>
        Tool.Run(program, arguments, environment: environment, input: input);
}
