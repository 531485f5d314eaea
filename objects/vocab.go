package objects

import (
	"fmt"
	"strings"
)

// Several is the count of a group of four or more objects: "several cars".
// Counts are 1, 2, 3 or Several; larger numbers are clamped to Several.
const Several = 4

// noun is one class's words (docs/OBJECTS.md, "Vocabulary"): the noun for
// one object and for more than one. Most are the class name and its plural;
// skis and scissors are counted in pairs and broccoli in heads.
type noun struct {
	class, one, many string
}

// vocabulary is the 80 COCO classes in the detector's order
// (models/default/manifest.json, detector.spec.detector.labels).
var vocabulary = [...]noun{
	{"person", "person", "people"},
	{"bicycle", "bicycle", "bicycles"},
	{"car", "car", "cars"},
	{"motorcycle", "motorcycle", "motorcycles"},
	{"airplane", "airplane", "airplanes"},
	{"bus", "bus", "buses"},
	{"train", "train", "trains"},
	{"truck", "truck", "trucks"},
	{"boat", "boat", "boats"},
	{"traffic light", "traffic light", "traffic lights"},
	{"fire hydrant", "fire hydrant", "fire hydrants"},
	{"stop sign", "stop sign", "stop signs"},
	{"parking meter", "parking meter", "parking meters"},
	{"bench", "bench", "benches"},
	{"bird", "bird", "birds"},
	{"cat", "cat", "cats"},
	{"dog", "dog", "dogs"},
	{"horse", "horse", "horses"},
	{"sheep", "sheep", "sheep"},
	{"cow", "cow", "cows"},
	{"elephant", "elephant", "elephants"},
	{"bear", "bear", "bears"},
	{"zebra", "zebra", "zebras"},
	{"giraffe", "giraffe", "giraffes"},
	{"backpack", "backpack", "backpacks"},
	{"umbrella", "umbrella", "umbrellas"},
	{"handbag", "handbag", "handbags"},
	{"tie", "tie", "ties"},
	{"suitcase", "suitcase", "suitcases"},
	{"frisbee", "frisbee", "frisbees"},
	{"skis", "pair of skis", "pairs of skis"},
	{"snowboard", "snowboard", "snowboards"},
	{"sports ball", "sports ball", "sports balls"},
	{"kite", "kite", "kites"},
	{"baseball bat", "baseball bat", "baseball bats"},
	{"baseball glove", "baseball glove", "baseball gloves"},
	{"skateboard", "skateboard", "skateboards"},
	{"surfboard", "surfboard", "surfboards"},
	{"tennis racket", "tennis racket", "tennis rackets"},
	{"bottle", "bottle", "bottles"},
	{"wine glass", "wine glass", "wine glasses"},
	{"cup", "cup", "cups"},
	{"fork", "fork", "forks"},
	{"knife", "knife", "knives"},
	{"spoon", "spoon", "spoons"},
	{"bowl", "bowl", "bowls"},
	{"banana", "banana", "bananas"},
	{"apple", "apple", "apples"},
	{"sandwich", "sandwich", "sandwiches"},
	{"orange", "orange", "oranges"},
	{"broccoli", "head of broccoli", "heads of broccoli"},
	{"carrot", "carrot", "carrots"},
	{"hot dog", "hot dog", "hot dogs"},
	{"pizza", "pizza", "pizzas"},
	{"donut", "donut", "donuts"},
	{"cake", "cake", "cakes"},
	{"chair", "chair", "chairs"},
	{"couch", "couch", "couches"},
	{"potted plant", "potted plant", "potted plants"},
	{"bed", "bed", "beds"},
	{"dining table", "dining table", "dining tables"},
	{"toilet", "toilet", "toilets"},
	{"tv", "tv", "tvs"},
	{"laptop", "laptop", "laptops"},
	{"mouse", "mouse", "mice"},
	{"remote", "remote", "remotes"},
	{"keyboard", "keyboard", "keyboards"},
	{"cell phone", "cell phone", "cell phones"},
	{"microwave", "microwave", "microwaves"},
	{"oven", "oven", "ovens"},
	{"toaster", "toaster", "toasters"},
	{"sink", "sink", "sinks"},
	{"refrigerator", "refrigerator", "refrigerators"},
	{"book", "book", "books"},
	{"clock", "clock", "clocks"},
	{"vase", "vase", "vases"},
	{"scissors", "pair of scissors", "pairs of scissors"},
	{"teddy bear", "teddy bear", "teddy bears"},
	{"hair drier", "hair drier", "hair driers"},
	{"toothbrush", "toothbrush", "toothbrushes"},
}

// NumClasses is the size of the vocabulary.
const NumClasses = len(vocabulary)

// countWords are the words before a group's noun, by count (index 0 unused;
// count 1 takes the noun's article).
var countWords = [...]string{"", "", "two", "three", "several"}

// Classes returns the 80 class names in the detector's order.
func Classes() []string {
	out := make([]string, len(vocabulary))
	for i, n := range vocabulary {
		out[i] = n.class
	}
	return out
}

// ClassIndex returns the index of a class name in Classes, or -1 when it is
// not one.
func ClassIndex(class string) int {
	for i, n := range vocabulary {
		if n.class == class {
			return i
		}
	}
	return -1
}

// KnownClass reports whether class is one of the 80 class names.
func KnownClass(class string) bool { return ClassIndex(class) >= 0 }

func mustNoun(class string) noun {
	i := ClassIndex(class)
	if i < 0 {
		panic(fmt.Sprintf("objects: unknown class %q", class))
	}
	return vocabulary[i]
}

// Singular returns the noun for one object of class: "person", "pair of
// skis". It panics on an unknown class.
func Singular(class string) string { return mustNoun(class).one }

// Plural returns the noun for two or more objects of class: "people",
// "knives", "sheep", "pairs of skis". It panics on an unknown class.
func Plural(class string) string { return mustNoun(class).many }

// Article returns the indefinite article of one object of class: "an" when
// its singular noun starts with a vowel letter (a, e, i, o, u), "a"
// otherwise. It panics on an unknown class.
func Article(class string) string { return article(mustNoun(class).one) }

func article(word string) string {
	if strings.IndexByte("aeiou", word[0]) >= 0 {
		return "an"
	}
	return "a"
}

// NounPhrase returns the words for count objects of class: "a person", "an
// apple", "two people", "three pairs of skis", "several cars" (any count of
// 4 or more). It panics on an unknown class or a count under 1.
func NounPhrase(class string, count int) string {
	n := mustNoun(class)
	switch {
	case count < 1:
		panic(fmt.Sprintf("objects: noun phrase of %d %s", count, class))
	case count == 1:
		return article(n.one) + " " + n.one
	default:
		return countWords[min(count, Several)] + " " + n.many
	}
}
