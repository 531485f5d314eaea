package objects

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestClassesMatchManifest: the vocabulary is the embedded detector's label
// list, in its order.
func TestClassesMatchManifest(t *testing.T) {
	b, err := os.ReadFile("../models/default/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Detector struct {
			Spec struct {
				Detector struct {
					Labels []string `json:"labels"`
				} `json:"detector"`
			} `json:"spec"`
		} `json:"detector"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if got, want := Classes(), m.Detector.Spec.Detector.Labels; !slices.Equal(got, want) {
		t.Fatalf("Classes() = %q\nmanifest has %q", got, want)
	}
	if NumClasses != 80 {
		t.Fatalf("NumClasses = %d, want 80", NumClasses)
	}
}

// nounTable is docs/OBJECTS.md's vocabulary table, written out by hand: the
// phrase for one object and the phrase for two.
var nounTable = [NumClasses][3]string{
	{"person", "a person", "two people"},
	{"bicycle", "a bicycle", "two bicycles"},
	{"car", "a car", "two cars"},
	{"motorcycle", "a motorcycle", "two motorcycles"},
	{"airplane", "an airplane", "two airplanes"},
	{"bus", "a bus", "two buses"},
	{"train", "a train", "two trains"},
	{"truck", "a truck", "two trucks"},
	{"boat", "a boat", "two boats"},
	{"traffic light", "a traffic light", "two traffic lights"},
	{"fire hydrant", "a fire hydrant", "two fire hydrants"},
	{"stop sign", "a stop sign", "two stop signs"},
	{"parking meter", "a parking meter", "two parking meters"},
	{"bench", "a bench", "two benches"},
	{"bird", "a bird", "two birds"},
	{"cat", "a cat", "two cats"},
	{"dog", "a dog", "two dogs"},
	{"horse", "a horse", "two horses"},
	{"sheep", "a sheep", "two sheep"},
	{"cow", "a cow", "two cows"},
	{"elephant", "an elephant", "two elephants"},
	{"bear", "a bear", "two bears"},
	{"zebra", "a zebra", "two zebras"},
	{"giraffe", "a giraffe", "two giraffes"},
	{"backpack", "a backpack", "two backpacks"},
	{"umbrella", "an umbrella", "two umbrellas"},
	{"handbag", "a handbag", "two handbags"},
	{"tie", "a tie", "two ties"},
	{"suitcase", "a suitcase", "two suitcases"},
	{"frisbee", "a frisbee", "two frisbees"},
	{"skis", "a pair of skis", "two pairs of skis"},
	{"snowboard", "a snowboard", "two snowboards"},
	{"sports ball", "a sports ball", "two sports balls"},
	{"kite", "a kite", "two kites"},
	{"baseball bat", "a baseball bat", "two baseball bats"},
	{"baseball glove", "a baseball glove", "two baseball gloves"},
	{"skateboard", "a skateboard", "two skateboards"},
	{"surfboard", "a surfboard", "two surfboards"},
	{"tennis racket", "a tennis racket", "two tennis rackets"},
	{"bottle", "a bottle", "two bottles"},
	{"wine glass", "a wine glass", "two wine glasses"},
	{"cup", "a cup", "two cups"},
	{"fork", "a fork", "two forks"},
	{"knife", "a knife", "two knives"},
	{"spoon", "a spoon", "two spoons"},
	{"bowl", "a bowl", "two bowls"},
	{"banana", "a banana", "two bananas"},
	{"apple", "an apple", "two apples"},
	{"sandwich", "a sandwich", "two sandwiches"},
	{"orange", "an orange", "two oranges"},
	{"broccoli", "a head of broccoli", "two heads of broccoli"},
	{"carrot", "a carrot", "two carrots"},
	{"hot dog", "a hot dog", "two hot dogs"},
	{"pizza", "a pizza", "two pizzas"},
	{"donut", "a donut", "two donuts"},
	{"cake", "a cake", "two cakes"},
	{"chair", "a chair", "two chairs"},
	{"couch", "a couch", "two couches"},
	{"potted plant", "a potted plant", "two potted plants"},
	{"bed", "a bed", "two beds"},
	{"dining table", "a dining table", "two dining tables"},
	{"toilet", "a toilet", "two toilets"},
	{"tv", "a tv", "two tvs"},
	{"laptop", "a laptop", "two laptops"},
	{"mouse", "a mouse", "two mice"},
	{"remote", "a remote", "two remotes"},
	{"keyboard", "a keyboard", "two keyboards"},
	{"cell phone", "a cell phone", "two cell phones"},
	{"microwave", "a microwave", "two microwaves"},
	{"oven", "an oven", "two ovens"},
	{"toaster", "a toaster", "two toasters"},
	{"sink", "a sink", "two sinks"},
	{"refrigerator", "a refrigerator", "two refrigerators"},
	{"book", "a book", "two books"},
	{"clock", "a clock", "two clocks"},
	{"vase", "a vase", "two vases"},
	{"scissors", "a pair of scissors", "two pairs of scissors"},
	{"teddy bear", "a teddy bear", "two teddy bears"},
	{"hair drier", "a hair drier", "two hair driers"},
	{"toothbrush", "a toothbrush", "two toothbrushes"},
}

func TestNounTable(t *testing.T) {
	classes := Classes()
	for i, row := range nounTable {
		class := row[0]
		if classes[i] != class {
			t.Errorf("class %d: %q, table has %q", i, classes[i], class)
			continue
		}
		if got := NounPhrase(class, 1); got != row[1] {
			t.Errorf("%s: NounPhrase 1 = %q, want %q", class, got, row[1])
		}
		if got := NounPhrase(class, 2); got != row[2] {
			t.Errorf("%s: NounPhrase 2 = %q, want %q", class, got, row[2])
		}
		if got, want := Article(class)+" "+Singular(class), row[1]; got != want {
			t.Errorf("%s: Article+Singular = %q, want %q", class, got, want)
		}
		if got, want := "two "+Plural(class), row[2]; got != want {
			t.Errorf("%s: Plural = %q, want %q", class, got, want)
		}
		for n, word := range map[int]string{3: "three ", 4: "several ", 7: "several "} {
			if got, want := NounPhrase(class, n), word+Plural(class); got != want {
				t.Errorf("%s: NounPhrase %d = %q, want %q", class, n, got, want)
			}
		}
		if ClassIndex(class) != i || !KnownClass(class) {
			t.Errorf("%s: ClassIndex %d, want %d", class, ClassIndex(class), i)
		}
	}
}

// TestArticles: exactly six classes take "an".
func TestArticles(t *testing.T) {
	var an []string
	for _, c := range Classes() {
		if Article(c) == "an" {
			an = append(an, c)
		}
	}
	if want := []string{"airplane", "elephant", "umbrella", "apple", "orange", "oven"}; !slices.Equal(an, want) {
		t.Fatalf("classes with \"an\": %q, want %q", an, want)
	}
}

func TestVocabularyPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"unknown class":  func() { NounPhrase("unicorn", 1) },
		"count 0":        func() { NounPhrase("dog", 0) },
		"plural unknown": func() { Plural("Dog") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if ClassIndex("Dog") != -1 || KnownClass("") {
		t.Error("class names are case-sensitive and never empty")
	}
}
