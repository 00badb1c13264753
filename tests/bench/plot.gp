# gnuplot script for build/bench/bench.png, from tests/bench/report.py's
# plot.dat and plot.titles. One panel per workload; each bar is a stack's
# median relative to plaintext's median in the same run (the figure that
# means something under TCG), with its min-max as an error bar. A stack
# with no figure gets "n/a" where its bar would be.
#
#   gnuplot -e "dir='build/bench'; title1='...'; title2='...'" tests/bench/plot.gp
set terminal pngcairo size 1500,680 font ",11"
set output dir.'/bench.png'
set datafile missing "?"
set style data histograms
set style histogram errorbars gap 1.5 lw 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key top right
set ylabel "median / plaintext median"
set xtics nomirror font ",10"
set offsets 0, 0, graph 0.1, 0
set bmargin 4.5

titles = dir.'/plot.titles'
set multiplot layout 1,3 title title1."\n".title2 font ",11" noenhanced
do for [i=0:2] {
	# plot.titles: two lines per workload, its name and plaintext's figure.
	set title system(sprintf("sed -n %dp '%s'", 2 * i + 1, titles)). \
		"\n".system(sprintf("sed -n %dp '%s'", 2 * i + 2, titles)) noenhanced
	plot dir.'/plot.dat' index i using 2:3:4:xtic(1) title "XFRM" lc rgb "#4477aa", \
	     '' index i using 5:6:7 title "nfipsec" lc rgb "#ee6677", \
	     '' index i using ($0 + 0.17):(0):8 with labels offset 0,1 notitle, \
	     '' index i using ($0 - 0.17):(0):9 with labels offset 0,1 notitle
}
unset multiplot
