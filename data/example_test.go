package data_test

import (
	"fmt"
	"strings"

	"github.com/bayesrule/blr/data"
)

func ExampleReadTable() {
	in := "x1,x2,label\n0.5,1e-3,yes\n"
	_, err := data.ReadTable(strings.NewReader(in), "train.csv")
	fmt.Println(err)

	in = "x1,x2,label\n0.5,1.000000000000000000e-03,1\n-2,0x1p-2,0\n"
	t, err := data.ReadTable(strings.NewReader(in), "train.csv")
	if err != nil {
		panic(err)
	}
	d, err := t.XY("label")
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Features, d.X, d.Target, d.Y)
	// Output:
	// data: train.csv:2: column 3 ("label"): "yes": not a number
	// [x1 x2] [[0.5 0.001] [-2 0.25]] label [1 0]
}

func ExampleReadLIBSVM() {
	X, y, err := data.ReadLIBSVM(strings.NewReader("+1 1:0.5 4:2\n-1 2:1\n"), "a1a.txt")
	if err != nil {
		panic(err)
	}
	fmt.Println(X, y)
	// Output: [[0.5 0 0 2] [0 1 0 0]] [1 -1]
}

func ExampleReadSklearnCSV() {
	in := "3,2,setosa,versicolor\n5.1,3.5,0\n7.0,3.2,1\n6.4,3.2,1\n"
	d, err := data.ReadSklearnCSV(strings.NewReader(in), "iris.csv")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(d.X), len(d.X[0]), d.Classes, d.Y)
	// Output: 3 2 [setosa versicolor] [0 1 1]
}

func ExampleBinaryLabels() {
	y01, neg, pos, err := data.BinaryLabels([]float64{2, 4, 4, 2})
	fmt.Println(y01, neg, pos, err)
	// Output: [0 1 1 0] 2 4 <nil>
}

func ExampleBatcher() {
	b, err := data.NewBatcher(5, 2, 1)
	if err != nil {
		panic(err)
	}
	for epoch := 0; epoch < 2; epoch++ {
		for idx, ok := b.Next(); ok; idx, ok = b.Next() {
			fmt.Print(len(idx), " ")
		}
		fmt.Println("| epoch", b.Epoch(), "position", b.Position())
	}
	// A run saved at (epoch 1, position 2) resumes on the same batch.
	saved := data.EpochOrder(5, 1, 1)[2:4]
	_ = b.Seek(1, 2)
	idx, _ := b.Next()
	fmt.Println(fmt.Sprint(idx) == fmt.Sprint(saved))
	// Output:
	// 2 2 1 | epoch 1 position 0
	// 2 2 1 | epoch 2 position 0
	// true
}

func ExampleFitScaler() {
	train := [][]float64{{1, 10}, {3, 10}}
	test := [][]float64{{5, 11}}
	s, err := data.FitScaler(train)
	if err != nil {
		panic(err)
	}
	z, _ := s.Transform(test)
	fmt.Println(s.Mean, s.Scale, z)
	// Output: [2 10] [1 1] [[3 1]]
}

func ExampleLoad() {
	_, _, err := data.Load("cifar10", "")
	fmt.Println(err)
	// Output: data: invalid argument: unknown data set "cifar10"; valid names are mnist, fashion-mnist
}

func ExampleFilterClasses() {
	s := &data.Set{X: []float32{0, 1, 2, 3}, Y: []int{0, 1, 2, 3}, N: 4, D: 1, Classes: 4, Name: "toy"}
	task, err := data.FilterClasses(s, []int{2, 3}, true)
	if err != nil {
		panic(err)
	}
	fmt.Println(task.Name, task.X, task.Y, task.Classes)
	// Output: toy/classes-2-3 [2 3] [0 1] 2
}
