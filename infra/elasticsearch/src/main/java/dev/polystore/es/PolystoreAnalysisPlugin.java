package dev.polystore.es;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.LetterTokenizer;
import org.apache.lucene.analysis.core.SimpleAnalyzer;
import org.apache.lucene.analysis.core.UpperCaseFilter;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.el.GreekLowerCaseFilter;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.fr.FrenchLightStemFilter;
import org.apache.lucene.analysis.de.GermanLightStemFilter;
import org.apache.lucene.analysis.es.SpanishLightStemFilter;
import org.apache.lucene.analysis.it.ItalianLightStemFilter;
import org.apache.lucene.analysis.pt.PortugueseLightStemFilter;
import org.apache.lucene.analysis.ga.IrishLowerCaseFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.TrimFilter;
import org.apache.lucene.analysis.miscellaneous.TruncateTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenizer;
import org.apache.lucene.analysis.ngram.NGramTokenFilter;
import org.apache.lucene.analysis.ngram.NGramTokenizer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.tr.TurkishLowerCaseFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.PreBuiltAnalyzerProviderFactory;
import org.elasticsearch.index.analysis.PreConfiguredCharFilter;
import org.elasticsearch.index.analysis.PreConfiguredTokenFilter;
import org.elasticsearch.index.analysis.PreConfiguredTokenizer;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.indices.analysis.PreBuiltCacheFactory.CachingStrategy;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

import java.io.Reader;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * Polystore launcher code. A stand-in for Elasticsearch's "analysis-common" module, which Elastic
 * does not publish on Maven Central for 8.x: the subset of its analysis components Polystore
 * uses, under the same names, parameters and defaults, built on Lucene's own
 * lucene-analysis-common (Apache-2.0, already a dependency of the server jar).
 *
 * Tokenizers:    edge_ngram, ngram (min_gram, max_gram, token_chars, custom_token_chars),
 *                whitespace (max_token_length), keyword, letter
 * Token filters: lowercase (language), uppercase, asciifolding (preserve_original),
 *                stemmer (language|name), snowball (language), porter_stem, kstem,
 *                edge_ngram, ngram (min_gram, max_gram, preserve_original), trim, truncate (length)
 * Char filters:  html_strip
 * Analyzers:     english, simple, whitespace
 * Anything else fails at index creation with Elasticsearch's own "unknown ... type" error, as on a
 * real node without that component, so mappings never silently degrade.
 *
 * <p>Where it comes from: the component names, their parameters and defaults, the
 * index.max_ngram_diff check and the stemmer language names are those of the analysis-common
 * module (its reference documentation and {@code org.elasticsearch.analysis.common.CommonAnalysisPlugin}
 * with its factories, e.g. {@code NGramTokenizerFactory}, {@code LowerCaseTokenFilterFactory},
 * {@code StemmerTokenFilterFactory}; elastic/elasticsearch v8.14.3, Elastic License 2.0 / SSPL v1),
 * because an index definition must mean the same here as on a real node. Overriding
 * {@code isTokenChar} of Lucene's n-gram tokenizers is Lucene's extension point for token_chars,
 * and the pre-configured entries are one API call each (name, whether multi-term queries use it,
 * the Lucene class), so those lines necessarily read like the module's own registrations.
 * The code is our own: one plugin class of small lambdas instead of a factory class per
 * component, and our own error messages.
 */
public class PolystoreAnalysisPlugin extends Plugin implements AnalysisPlugin {

    // ---------------------------------------------------------------- tokenizers

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        Map<String, AnalysisProvider<TokenizerFactory>> m = new TreeMap<>();
        m.put("edge_ngram", (idx, env, name, s) -> {
            int min = s.getAsInt("min_gram", 1), max = s.getAsInt("max_gram", 2);
            IntPredicate tokenChar = tokenChars(s);
            return TokenizerFactory.newFactory(name, () -> tokenChar == null
                ? new EdgeNGramTokenizer(min, max)
                : new EdgeNGramTokenizer(min, max) {
                    @Override
                    protected boolean isTokenChar(int chr) {
                        return tokenChar.test(chr);
                    }
                });
        });
        m.put("ngram", (idx, env, name, s) -> {
            int min = s.getAsInt("min_gram", 1), max = s.getAsInt("max_gram", 2);
            checkNgramDiff(idx, "ngram tokenizer", min, max);
            IntPredicate tokenChar = tokenChars(s);
            return TokenizerFactory.newFactory(name, () -> tokenChar == null
                ? new NGramTokenizer(min, max)
                : new NGramTokenizer(min, max) {
                    @Override
                    protected boolean isTokenChar(int chr) {
                        return tokenChar.test(chr);
                    }
                });
        });
        m.put("whitespace", (idx, env, name, s) -> {
            int maxLen = s.getAsInt("max_token_length", 255);
            return TokenizerFactory.newFactory(name, () -> new WhitespaceTokenizer(TokenStream.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, maxLen));
        });
        m.put("keyword", (idx, env, name, s) -> TokenizerFactory.newFactory(name, KeywordTokenizer::new));
        m.put("letter", (idx, env, name, s) -> TokenizerFactory.newFactory(name, LetterTokenizer::new));
        return m;
    }

    /** Same defaults as ES: usable by name ("tokenizer": "edge_ngram") without a definition. */
    @Override
    public List<PreConfiguredTokenizer> getPreConfiguredTokenizers() {
        return List.of(
            PreConfiguredTokenizer.singleton("edge_ngram", () -> new EdgeNGramTokenizer(1, 2)),
            PreConfiguredTokenizer.singleton("ngram", NGramTokenizer::new),
            PreConfiguredTokenizer.singleton("whitespace", WhitespaceTokenizer::new),
            PreConfiguredTokenizer.singleton("keyword", KeywordTokenizer::new),
            PreConfiguredTokenizer.singleton("letter", LetterTokenizer::new)
        );
    }

    /** ES "token_chars": letter, digit, whitespace, punctuation, symbol, custom. Empty = keep every char. */
    private static IntPredicate tokenChars(Settings s) {
        List<String> classes = s.getAsList("token_chars");
        if (classes.isEmpty()) {
            return null;
        }
        IntPredicate p = c -> false;
        for (String cls : classes) {
            IntPredicate next = switch (cls.toLowerCase(Locale.ROOT)) {
                case "letter" -> Character::isLetter;
                case "digit" -> Character::isDigit;
                case "whitespace" -> Character::isWhitespace;
                case "punctuation" -> c -> switch (Character.getType(c)) {
                    case Character.START_PUNCTUATION, Character.END_PUNCTUATION, Character.OTHER_PUNCTUATION,
                        Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                        Character.FINAL_QUOTE_PUNCTUATION -> true;
                    default -> false;
                };
                case "symbol" -> c -> switch (Character.getType(c)) {
                    case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
                    default -> false;
                };
                case "custom" -> {
                    String chars = s.get("custom_token_chars");
                    if (chars == null) {
                        throw new IllegalArgumentException("token_chars [custom] needs the custom_token_chars setting");
                    }
                    yield c -> chars.codePoints().anyMatch(x -> x == c);
                }
                default -> throw new IllegalArgumentException("token_chars [" + cls
                    + "] is none of letter, digit, whitespace, punctuation, symbol, custom");
            };
            p = p.or(next);
        }
        return p;
    }

    /** Refuses what a real node refuses: an ngram wider than index.max_ngram_diff (default 1) allows. */
    private static void checkNgramDiff(IndexSettings idx, String what, int min, int max) {
        int allowed = idx.getMaxNgramDiff();
        if (max - min > allowed) {
            throw new IllegalArgumentException(what + ": max_gram - min_gram is " + (max - min) + ", more than the index allows ("
                + IndexSettings.MAX_NGRAM_DIFF_SETTING.getKey() + " = " + allowed + ")");
        }
    }

    // ---------------------------------------------------------------- token filters

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> m = new TreeMap<>();
        m.put("lowercase", (idx, env, name, s) -> {
            String lang = s.get("language");
            Function<TokenStream, TokenStream> f;
            if (lang == null) {
                f = LowerCaseFilter::new;
            } else {
                f = switch (lang.toLowerCase(Locale.ROOT)) {
                    case "greek" -> GreekLowerCaseFilter::new;
                    case "irish" -> IrishLowerCaseFilter::new;
                    case "turkish" -> TurkishLowerCaseFilter::new;
                    default -> throw new IllegalArgumentException("lowercase filter: language [" + lang + "] is not greek, irish or turkish");
                };
            }
            return normalizing(name, f);
        });
        m.put("uppercase", (idx, env, name, s) -> normalizing(name, UpperCaseFilter::new));
        m.put("asciifolding", (idx, env, name, s) -> {
            boolean preserve = s.getAsBoolean("preserve_original", false);
            return new NormalizingTokenFilterFactory() {
                public String name() { return name; }
                public TokenStream create(TokenStream ts) { return new ASCIIFoldingFilter(ts, preserve); }
                // normalizers (keyword fields, query terms) must yield exactly one token
                public TokenStream normalize(TokenStream ts) { return new ASCIIFoldingFilter(ts, false); }
            };
        });
        m.put("stemmer", (idx, env, name, s) -> {
            String lang = s.get("language", s.get("name", "porter"));
            Function<TokenStream, TokenStream> f = stemmer(lang);
            return plain(name, f);
        });
        m.put("snowball", (idx, env, name, s) -> {
            String lang = s.get("language", "English");
            return plain(name, ts -> new SnowballFilter(ts, lang));
        });
        m.put("porter_stem", (idx, env, name, s) -> plain(name, PorterStemFilter::new));
        m.put("kstem", (idx, env, name, s) -> plain(name, KStemFilter::new));
        m.put("edge_ngram", (idx, env, name, s) -> {
            int min = s.getAsInt("min_gram", 1), max = s.getAsInt("max_gram", 2);
            boolean preserve = s.getAsBoolean("preserve_original", false);
            return plain(name, ts -> new EdgeNGramTokenFilter(ts, min, max, preserve));
        });
        m.put("ngram", (idx, env, name, s) -> {
            int min = s.getAsInt("min_gram", 1), max = s.getAsInt("max_gram", 2);
            checkNgramDiff(idx, "ngram token filter", min, max);
            boolean preserve = s.getAsBoolean("preserve_original", false);
            return plain(name, ts -> new NGramTokenFilter(ts, min, max, preserve));
        });
        m.put("trim", (idx, env, name, s) -> normalizing(name, TrimFilter::new));
        m.put("truncate", (idx, env, name, s) -> {
            int length = s.getAsInt("length", 10);
            return plain(name, ts -> new TruncateTokenFilter(ts, length));
        });
        return m;
    }

    /** Filters usable by bare name inside an analyzer definition (ES pre-configures these too). */
    @Override
    public List<PreConfiguredTokenFilter> getPreConfiguredTokenFilters() {
        return List.of(
            PreConfiguredTokenFilter.singleton("asciifolding", true, ASCIIFoldingFilter::new),
            PreConfiguredTokenFilter.singleton("uppercase", true, UpperCaseFilter::new),
            PreConfiguredTokenFilter.singleton("trim", true, TrimFilter::new),
            PreConfiguredTokenFilter.singleton("porter_stem", false, PorterStemFilter::new),
            PreConfiguredTokenFilter.singleton("kstem", false, KStemFilter::new),
            PreConfiguredTokenFilter.singleton("snowball", false, ts -> new SnowballFilter(ts, "English")),
            PreConfiguredTokenFilter.singleton("edge_ngram", false, false, ts -> new EdgeNGramTokenFilter(ts, 1, 2, false)),
            PreConfiguredTokenFilter.singleton("ngram", false, false, ts -> new NGramTokenFilter(ts, 1, 2, false))
        );
    }

    /** Stemmer names as documented for the ES "stemmer" filter (common subset). */
    private static Function<TokenStream, TokenStream> stemmer(String language) {
        String lang = language.toLowerCase(Locale.ROOT);
        switch (lang) {
            case "english", "porter":
                return PorterStemFilter::new;
            case "light_english", "kstem":
                return KStemFilter::new;
            case "minimal_english":
                return EnglishMinimalStemFilter::new;
            case "possessive_english":
                return EnglishPossessiveFilter::new;
            case "porter2":
                return ts -> new SnowballFilter(ts, "English");
            case "lovins":
                return ts -> new SnowballFilter(ts, "Lovins");
            case "light_french":
                return FrenchLightStemFilter::new;
            case "light_german":
                return GermanLightStemFilter::new;
            case "light_spanish":
                return SpanishLightStemFilter::new;
            case "light_italian":
                return ItalianLightStemFilter::new;
            case "light_portuguese":
                return PortugueseLightStemFilter::new;
            default:
                // plain language names map to the Snowball stemmer of that language, as in ES
                List<String> snowball = List.of("armenian", "basque", "catalan", "danish", "dutch", "finnish", "french", "german",
                    "hungarian", "irish", "italian", "lithuanian", "norwegian", "portuguese", "romanian", "russian", "spanish",
                    "swedish", "turkish", "estonian");
                if (snowball.contains(lang)) {
                    String snowballName = Character.toUpperCase(lang.charAt(0)) + lang.substring(1);
                    return ts -> new SnowballFilter(ts, snowballName);
                }
                throw new IllegalArgumentException("stemmer language [" + language + "] is not supported by the Polystore dev node");
        }
    }

    private static TokenFilterFactory plain(String name, Function<TokenStream, TokenStream> f) {
        return new TokenFilterFactory() {
            public String name() { return name; }
            public TokenStream create(TokenStream ts) { return f.apply(ts); }
        };
    }

    private static TokenFilterFactory normalizing(String name, Function<TokenStream, TokenStream> f) {
        return new NormalizingTokenFilterFactory() {
            public String name() { return name; }
            public TokenStream create(TokenStream ts) { return f.apply(ts); }
        };
    }

    // ---------------------------------------------------------------- char filters

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        return Map.of("html_strip", (idx, env, name, s) -> new CharFilterFactory() {
            public String name() { return name; }
            public Reader create(Reader r) { return new HTMLStripCharFilter(r); }
        });
    }

    @Override
    public List<PreConfiguredCharFilter> getPreConfiguredCharFilters() {
        return List.of(PreConfiguredCharFilter.singleton("html_strip", false, HTMLStripCharFilter::new));
    }

    // ---------------------------------------------------------------- analyzers

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Map.of(
            "english", (idx, env, name, s) -> provider(name, s, EnglishAnalyzer::new),
            "simple", (idx, env, name, s) -> provider(name, s, SimpleAnalyzer::new),
            "whitespace", (idx, env, name, s) -> provider(name, s, WhitespaceAnalyzer::new)
        );
    }

    @Override
    public List<PreBuiltAnalyzerProviderFactory> getPreBuiltAnalyzerProviderFactories() {
        return List.of(
            new PreBuiltAnalyzerProviderFactory("english", CachingStrategy.LUCENE, EnglishAnalyzer::new),
            new PreBuiltAnalyzerProviderFactory("simple", CachingStrategy.LUCENE, SimpleAnalyzer::new),
            new PreBuiltAnalyzerProviderFactory("whitespace", CachingStrategy.LUCENE, WhitespaceAnalyzer::new)
        );
    }

    private static <A extends Analyzer> AnalyzerProvider<A> provider(String name, Settings s, Supplier<A> create) {
        A analyzer = create.get();
        return new AbstractIndexAnalyzerProvider<A>(name, s) {
            @Override
            public A get() {
                return analyzer;
            }
        };
    }
}
