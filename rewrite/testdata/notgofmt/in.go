package notgofmt
import "net/http"



func   odd( u string )  {
  resp,err:=http.Get( u );if err!=nil{return};_ = resp
	x := 1;   _, _ = http.Head(u);  _ = x


  c:=&http.Client{ }; _, _ = c.Get(u)
}
